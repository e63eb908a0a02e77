/**
 * TransformersEmbedder, run for real (transformers.js + onnxruntime-node, no mocks) on a tiny model
 * the test writes itself (tests/helpers/tiny-onnx.ts): a BERT WordPiece tokenizer and an ONNX graph
 * that looks token ids up in a seeded-random embedding matrix, so the expected mean-pooled vectors
 * can be computed by hand. The e5 prefixes and error mapping are also checked through the loader seam.
 *
 * Under jest, transformers.js is required by Node's own loader, outside jest's module sandbox (whose
 * `createRequire` is jest's too): onnxruntime-node returns output tensors as typed arrays of the main
 * realm, and onnxruntime-common loaded inside the sandbox rejects them ("A float32 tensor's data must
 * be type of function Float32Array()"). The loader code is the production one
 * (`createFeatureExtractorLoader`); only where the module is loaded differs. Plain Node (the service)
 * has one realm and no such issue. Tests that fail before inference use the default loader.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { TransformersEmbedder, createFeatureExtractorLoader, rolePrefixes } from '../../src/embed/transformers';
import type { FeatureExtractionLoader, PooledBatch, TransformersModule } from '../../src/embed/transformers';
import { SobreError } from '../../src/errors';
import { writeTinyModel } from '../helpers/tiny-onnx';
import type { TinyModel } from '../helpers/tiny-onnx';

/** The real transformers.js, loaded by Node itself in the main realm (see the header). */
const realLoader = createFeatureExtractorLoader(async () => {
  const mainModule = vm.runInThisContext('process.mainModule') as NodeJS.Module | undefined;
  if (!mainModule) throw new Error('no Node main module to load transformers.js outside the jest sandbox');
  return mainModule.require(require.resolve('@huggingface/transformers')) as TransformersModule;
});

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Mean of the embedding rows of `tokens`, scaled to unit length, in float64. */
function expectedVector(model: TinyModel, tokens: readonly string[]): number[] {
  const sum = new Array<number>(model.hidden).fill(0);
  for (const id of model.ids(tokens)) {
    const row = model.row(id);
    for (let k = 0; k < model.hidden; k++) sum[k] += row[k];
  }
  const mean = sum.map((x) => x / tokens.length);
  const n = norm(mean);
  return mean.map((x) => x / n);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i], digits);
}

async function rejection(p: Promise<unknown>): Promise<SobreError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SobreError);
    return e as SobreError;
  }
  throw new Error('expected a rejection');
}

describe('TransformersEmbedder on a tiny real ONNX model', () => {
  let tiny: TinyModel;
  let embedder: TransformersEmbedder;

  beforeAll(async () => {
    tiny = writeTinyModel({ hidden: 16, seed: 7 });
    embedder = await TransformersEmbedder.create({ model: tiny.dir, localFilesOnly: false, batchSize: 8, loader: realLoader });
  });

  afterAll(async () => {
    await embedder?.dispose();
    tiny?.cleanup();
  });

  it('reports the model id and the hidden size as its dimension', async () => {
    expect(embedder.id).toBe(`transformers:${tiny.dir}`);
    expect(embedder.dimension).toBe(16);
    const [v] = await embedder.embed(['hello world']);
    expect(v).toBeInstanceOf(Float32Array);
    expect(v).toHaveLength(16);
  });

  it('mean-pools the token embeddings ([CLS] ... [SEP]) and normalises', async () => {
    const [hello] = await embedder.embed(['Hello world']);
    expectClose(hello, expectedVector(tiny, ['[CLS]', 'hello', 'world', '[SEP]']));
    // Lower-casing, punctuation split, WordPiece sub-words and unknown words.
    const [sub] = await embedder.embed(['The cat sat, PLAYING zebra.']);
    expectClose(sub, expectedVector(tiny, ['[CLS]', 'the', 'cat', 'sat', ',', 'play', '##ing', '[UNK]', '.', '[SEP]']));
  });

  it('returns unit vectors, also for an empty text', async () => {
    const vs = await embedder.embed(['', 'a', 'the quick brown fox jumps over the lazy dog', 'why?']);
    expect(vs).toHaveLength(4);
    for (const v of vs) expect(norm(v)).toBeCloseTo(1, 5);
  });

  it('returns nothing for no texts', async () => {
    await expect(embedder.embed([])).resolves.toEqual([]);
  });

  it('gives the same vectors, in input order, whatever the batch size', async () => {
    const texts = [
      'hello', 'the quick brown fox jumps over the lazy dog', 'cat', 'what is solar energy?', 'a dog sat on the mat',
      'water', 'why', 'the lazy cat is playing on the mat . hello world', 'panels', 'fox', 'given the query',
    ];
    const one = await TransformersEmbedder.create({ model: tiny.dir, localFilesOnly: true, batchSize: 1, loader: realLoader });
    try {
      const single = await one.embed(texts);
      const batched = await embedder.embed(texts);
      expect(single).toHaveLength(texts.length);
      expect(batched).toHaveLength(texts.length);
      for (let i = 0; i < texts.length; i++) expectClose(batched[i], single[i], 6);
      // Order: each vector is its own text's (texts differ, so vectors differ).
      expectClose(batched[2], expectedVector(tiny, ['[CLS]', 'cat', '[SEP]']));
      expectClose(batched[6], expectedVector(tiny, ['[CLS]', 'why', '[SEP]']));
    } finally {
      await one.dispose();
    }
  });

  it('is deterministic', async () => {
    const [a, b] = await embedder.embed(['solar panels', 'solar panels']);
    const [c] = await embedder.embed(['solar panels']);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(a));
  });

  it('ignores padding: a short text batched with a long one keeps its vector', async () => {
    const [alone] = await embedder.embed(['hello']);
    const [, short] = await embedder.embed(['the quick brown fox jumps over the lazy dog , the cat sat on the mat', 'hello']);
    expectClose(short, alone, 6);
    expectClose(short, expectedVector(tiny, ['[CLS]', 'hello', '[SEP]']));
  });

  it('applies e5 prefixes by role when the folder is named like an e5 model', async () => {
    const e5 = writeTinyModel({ hidden: 16, seed: 7, name: 'tiny-multilingual-e5-small' });
    const e5Embedder = await TransformersEmbedder.create({ model: e5.dir, localFilesOnly: true, batchSize: 4, loader: realLoader });
    try {
      const [query] = await e5Embedder.embed(['hello world'], 'query');
      const [passage] = await e5Embedder.embed(['hello world']);
      expectClose(query, expectedVector(tiny, ['[CLS]', 'query', ':', 'hello', 'world', '[SEP]']));
      expectClose(passage, expectedVector(tiny, ['[CLS]', 'passage', ':', 'hello', 'world', '[SEP]']));
      // The plain model does not prefix.
      const [plain] = await embedder.embed(['hello world'], 'query');
      expectClose(plain, expectedVector(tiny, ['[CLS]', 'hello', 'world', '[SEP]']));
    } finally {
      await e5Embedder.dispose();
      e5.cleanup();
    }
  });

  it('loads a folder that holds only onnx/model_quantized.onnx', async () => {
    const q = writeTinyModel({ hidden: 16, seed: 7 });
    fs.renameSync(path.join(q.dir, 'onnx', 'model.onnx'), path.join(q.dir, 'onnx', 'model_quantized.onnx'));
    const e = await TransformersEmbedder.create({ model: q.dir, localFilesOnly: true, batchSize: 2, loader: realLoader });
    try {
      const [v] = await e.embed(['hello world']);
      expectClose(v, expectedVector(tiny, ['[CLS]', 'hello', 'world', '[SEP]']));
    } finally {
      await e.dispose();
      q.cleanup();
    }
  });

  it('loads a folder given relative to the working directory', async () => {
    const rel = path.relative(process.cwd(), tiny.dir);
    const relModel = rel.startsWith('.') ? rel : `.${path.sep}${rel}`;
    const e = await TransformersEmbedder.create({ model: relModel, localFilesOnly: true, batchSize: 2, loader: realLoader });
    try {
      expect(e.id).toBe(`transformers:${relModel}`);
      const [v] = await e.embed(['hello world']);
      expectClose(v, expectedVector(tiny, ['[CLS]', 'hello', 'world', '[SEP]']));
    } finally {
      await e.dispose();
    }
  });
});

describe('TransformersEmbedder load errors', () => {
  let cacheDir: string;
  beforeAll(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-model-cache-'));
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));
  afterEach(() => jest.restoreAllMocks());

  it('fails fast with model_unavailable, without network, for a model that is not cached (localFilesOnly)', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const started = Date.now();
    const err = await rejection(
      TransformersEmbedder.create({ model: 'sobre-tests/no-such-model', localFilesOnly: true, cacheDir, batchSize: 4 }),
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(err.code).toBe('model_unavailable');
    expect(err.message).toMatch(/^Embedding model sobre-tests\/no-such-model is not available locally and could not be downloaded: /);
    expect(err.message).toContain('SOBRE_MODEL_CACHE');
    expect(err.message).not.toMatch(/\.\. /); // transformers.js's own full stop is not doubled
    expect(err.message).toContain('SOBRE_EMBEDDER=use-lite');
  });

  it('reports a failed download as model_unavailable (network simulated offline)', async () => {
    const offline = new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND huggingface.co') });
    const fetchSpy = jest.spyOn(globalThis, 'fetch').mockRejectedValue(offline);
    const err = await rejection(
      TransformersEmbedder.create({ model: 'sobre-tests/no-such-model', localFilesOnly: false, cacheDir, batchSize: 4 }),
    );
    expect(fetchSpy).toHaveBeenCalled();
    expect(String(fetchSpy.mock.calls[0][0])).toMatch(/^https:\/\/huggingface\.co\/sobre-tests\/no-such-model\//);
    expect(err.code).toBe('model_unavailable');
    expect(err.message).toContain('is not available locally and could not be downloaded: fetch failed (getaddrinfo ENOTFOUND huggingface.co)');
  });

  it('reports a model folder that does not exist as bad_config', async () => {
    const missing = path.join(cacheDir, 'not-here');
    const err = await rejection(TransformersEmbedder.create({ model: missing, localFilesOnly: false, batchSize: 4 }));
    expect(err.code).toBe('bad_config');
    expect(err.message).toContain(missing);
  });

  it('reports a folder whose model files are missing as model_unavailable', async () => {
    const tiny = writeTinyModel();
    try {
      fs.rmSync(path.join(tiny.dir, 'onnx'), { recursive: true });
      const err = await rejection(TransformersEmbedder.create({ model: tiny.dir, localFilesOnly: false, batchSize: 4 }));
      expect(err.code).toBe('model_unavailable');
      expect(err.message).toContain('is not available locally');
    } finally {
      tiny.cleanup();
    }
  });

  it('reports a corrupt ONNX file as model_unavailable (could not be loaded)', async () => {
    const tiny = writeTinyModel();
    try {
      fs.writeFileSync(path.join(tiny.dir, 'onnx', 'model.onnx'), Buffer.from('not a protobuf at all'));
      const err = await rejection(TransformersEmbedder.create({ model: tiny.dir, localFilesOnly: true, batchSize: 4 }));
      expect(err.code).toBe('model_unavailable');
      expect(err.message).toContain('could not be loaded');
    } finally {
      tiny.cleanup();
    }
  });

  it('rejects an empty model name and a bad batch size as bad_config', async () => {
    expect((await rejection(TransformersEmbedder.create({ model: ' ', localFilesOnly: true, batchSize: 4 }))).code).toBe('bad_config');
    expect((await rejection(TransformersEmbedder.create({ model: 'x/y', localFilesOnly: true, batchSize: 0 }))).code).toBe('bad_config');
  });
});

describe('TransformersEmbedder through the loader seam', () => {
  /** A fake extractor: records every batch; text i's vector is [length, 1, 0, ...] (not normalised). */
  function fakeLoader(dim = 4, fail?: Error): { loader: FeatureExtractionLoader; batches: string[][]; disposed: () => boolean } {
    const batches: string[][] = [];
    let disposed = false;
    const loader: FeatureExtractionLoader = async () => {
      if (fail) throw fail;
      return {
        hiddenSize: dim,
        async extract(texts: string[]): Promise<PooledBatch> {
          batches.push(texts);
          const data = new Float32Array(texts.length * dim);
          texts.forEach((t, i) => {
            data[i * dim] = t.length;
            data[i * dim + 1] = 1;
          });
          return { data, dims: [texts.length, dim] };
        },
        async dispose() {
          disposed = true;
        },
      };
    };
    return { loader, batches, disposed: () => disposed };
  }

  it('prefixes queries and passages for e5 models', async () => {
    const fake = fakeLoader();
    const e = await TransformersEmbedder.create({ model: 'intfloat/multilingual-e5-small', localFilesOnly: true, batchSize: 8, loader: fake.loader });
    fake.batches.length = 0; // drop the dimension probe
    await e.embed(['what is solar?'], 'query');
    await e.embed(['Solar panels make energy.'], 'passage');
    await e.embed(['default role']);
    expect(fake.batches).toEqual([['query: what is solar?'], ['passage: Solar panels make energy.'], ['passage: default role']]);
    expect(e.id).toBe('transformers:intfloat/multilingual-e5-small');
  });

  it('leaves other models alone and uses the instruction format for e5-instruct', async () => {
    expect(rolePrefixes('Xenova/all-MiniLM-L6-v2')).toEqual({ query: '', passage: '' });
    expect(rolePrefixes('Xenova/e5-small-v2')).toEqual({ query: 'query: ', passage: 'passage: ' });
    expect(rolePrefixes('./models/multilingual-e5-base')).toEqual({ query: 'query: ', passage: 'passage: ' });
    expect(rolePrefixes('/tmp/abe5x/tiny-bert')).toEqual({ query: '', passage: '' });
    expect(rolePrefixes('intfloat/multilingual-e5-large-instruct').query).toMatch(/^Instruct: .*\nQuery: $/);
    expect(rolePrefixes('intfloat/multilingual-e5-large-instruct').passage).toBe('');

    const fake = fakeLoader();
    const e = await TransformersEmbedder.create({ model: 'Xenova/all-MiniLM-L6-v2', localFilesOnly: true, batchSize: 8, loader: fake.loader });
    fake.batches.length = 0;
    await e.embed(['q'], 'query');
    expect(fake.batches).toEqual([['q']]);
  });

  it('batches by batchSize, keeps order and normalises', async () => {
    const fake = fakeLoader(3);
    const e = await TransformersEmbedder.create({ model: 'x/y', localFilesOnly: true, batchSize: 3, loader: fake.loader });
    expect(e.dimension).toBe(3);
    fake.batches.length = 0;
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'ggggggg'];
    const vs = await e.embed(texts);
    expect(fake.batches.map((b) => b.length)).toEqual([3, 3, 1]);
    vs.forEach((v, i) => {
      const len = texts[i].length;
      expectClose(v, [len / Math.hypot(len, 1), 1 / Math.hypot(len, 1), 0]);
    });
    await e.dispose();
    expect(fake.disposed()).toBe(true);
  });

  it('maps loader failures to model_unavailable with the offline advice', async () => {
    const offline = new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND huggingface.co') });
    const err = await rejection(TransformersEmbedder.create({ model: 'Xenova/all-MiniLM-L6-v2', localFilesOnly: false, batchSize: 8, loader: fakeLoader(4, offline).loader }));
    expect(err.code).toBe('model_unavailable');
    expect(err.message).toBe(
      'Embedding model Xenova/all-MiniLM-L6-v2 is not available locally and could not be downloaded: fetch failed ' +
        '(getaddrinfo ENOTFOUND huggingface.co). Connect once to download it, set SOBRE_MODEL_CACHE to a folder that holds it, ' +
        'or use SOBRE_EMBEDDER=use-lite',
    );
    expect(err.cause).toBe(offline);

    const broken = await rejection(TransformersEmbedder.create({ model: 'x/y', localFilesOnly: false, batchSize: 8, loader: fakeLoader(4, new Error('Unsupported model type: foo')).loader }));
    expect(broken.code).toBe('model_unavailable');
    expect(broken.message).toContain('could not be loaded: Unsupported model type: foo');
  });
});
