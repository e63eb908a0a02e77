/**
 * Builds, in a temporary folder, a complete transformers.js feature-extraction model small enough
 * to write by hand: a BERT-style WordPiece tokenizer and an ONNX graph that is a single `Gather`
 * of a seeded-random embedding matrix by `input_ids`. So `last_hidden_state[b, s] = E[input_ids[b, s]]`
 * and a test can compute the expected mean-pooled vector itself.
 *
 * No `onnx` Python package is needed: the ModelProto is encoded here with a small protobuf writer.
 * Field numbers follow onnx/onnx.proto (checked against the decoder generated from it that ships in
 * onnxruntime-web, lib/onnxjs/ort-schema/protobuf/onnx.js). The writer and the graph helpers are exported
 * for the other hand-built model (tests/generate/tiny-chat-model.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seededRandom } from '../../src/answer/calibration';

// ---------------------------------------------------------------------------------------------
// Protobuf wire format: varint (type 0), 32-bit (type 5) and length-delimited (type 2) fields.

export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  private varint(value: number | bigint): void {
    let v = BigInt(value);
    if (v < 0n) v = BigInt.asUintN(64, v); // negative int64: ten-byte two's complement
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.parts.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: 0 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  /** int32 / int64 / enum field. */
  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.parts.push(Buffer.from(value));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// onnx.proto field numbers.
export const ModelProto = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
export const OperatorSetIdProto = { domain: 1, version: 2 } as const;
export const GraphProto = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NodeProto = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const AttributeProto = { name: 1, i: 3, type: 20 } as const;
const AttributeType = { INT: 2 } as const;
const TensorProto = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;
const ValueInfoProto = { name: 1, type: 2 } as const;
const TypeProto = { tensorType: 1 } as const;
const TypeProtoTensor = { elemType: 1, shape: 2 } as const;
const TensorShapeProto = { dim: 1 } as const;
const Dimension = { dimValue: 1, dimParam: 2 } as const;
export const DataType = { FLOAT: 1, INT64: 7 } as const;

export type Dim = number | string;

/** ValueInfoProto of a tensor: a name, an element type and a shape of fixed (number) or named (string) dims. */
export function valueInfo(w: ProtoWriter, name: string, elemType: number, dims: readonly Dim[]): void {
  w.string(ValueInfoProto.name, name);
  w.message(ValueInfoProto.type, (t) =>
    t.message(TypeProto.tensorType, (tt) => {
      tt.int(TypeProtoTensor.elemType, elemType);
      tt.message(TypeProtoTensor.shape, (s) => {
        for (const d of dims) {
          s.message(TensorShapeProto.dim, (dw) => {
            if (typeof d === 'number') dw.int(Dimension.dimValue, d);
            else dw.string(Dimension.dimParam, d);
          });
        }
      });
    }),
  );
}

/** NodeProto: `op_type(inputs) -> outputs`, with INT attributes in the order given. */
export function node(
  w: ProtoWriter,
  opType: string,
  inputs: readonly string[],
  outputs: readonly string[],
  name: string,
  intAttrs: Record<string, number> = {},
): void {
  for (const i of inputs) w.string(NodeProto.input, i);
  for (const o of outputs) w.string(NodeProto.output, o);
  w.string(NodeProto.name, name);
  w.string(NodeProto.opType, opType);
  for (const [key, value] of Object.entries(intAttrs)) {
    w.message(NodeProto.attribute, (a) => {
      a.string(AttributeProto.name, key);
      a.int(AttributeProto.i, value);
      a.int(AttributeProto.type, AttributeType.INT);
    });
  }
}

/** TensorProto (an initializer) holding `raw` as little-endian raw_data. */
export function tensor(w: ProtoWriter, name: string, dataType: number, dims: readonly number[], raw: Uint8Array): void {
  for (const d of dims) w.int(TensorProto.dims, d);
  w.int(TensorProto.dataType, dataType);
  w.string(TensorProto.name, name);
  w.bytes(TensorProto.rawData, raw);
}

function float32LE(values: Float32Array): Buffer {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i], i * 4);
  return buf;
}

export interface GatherModelSpec {
  /** Row-major [vocabSize, hidden] embedding matrix. */
  embeddings: Float32Array;
  vocabSize: number;
  hidden: number;
  /** Graph inputs besides `input_ids`; they are declared but not used by any node. */
  extraInputs: readonly string[];
  opset?: number;
  irVersion?: number;
}

/** ONNX ModelProto bytes for `last_hidden_state = Gather(embeddings, input_ids, axis=0)`. */
export function encodeGatherModel(spec: GatherModelSpec): Buffer {
  const { embeddings, vocabSize, hidden } = spec;
  if (embeddings.length !== vocabSize * hidden) throw new Error('embeddings must hold vocabSize * hidden values');
  const seq: Dim[] = ['batch_size', 'sequence_length'];
  const model = new ProtoWriter();
  model.int(ModelProto.irVersion, spec.irVersion ?? 8);
  model.string(ModelProto.producerName, 'sobre-tests');
  model.string(ModelProto.producerVersion, '1');
  model.message(ModelProto.opsetImport, (o) => {
    o.string(OperatorSetIdProto.domain, '');
    o.int(OperatorSetIdProto.version, spec.opset ?? 17);
  });
  model.message(ModelProto.graph, (g) => {
    g.message(GraphProto.node, (n) => node(n, 'Gather', ['embeddings', 'input_ids'], ['last_hidden_state'], 'lookup', { axis: 0 }));
    g.string(GraphProto.name, 'tiny_embedding_lookup');
    g.message(GraphProto.initializer, (t) => tensor(t, 'embeddings', DataType.FLOAT, [vocabSize, hidden], float32LE(embeddings)));
    g.message(GraphProto.input, (v) => valueInfo(v, 'input_ids', DataType.INT64, seq));
    for (const name of spec.extraInputs) g.message(GraphProto.input, (v) => valueInfo(v, name, DataType.INT64, seq));
    g.message(GraphProto.output, (v) => valueInfo(v, 'last_hidden_state', DataType.FLOAT, [...seq, hidden]));
  });
  return model.finish();
}

// ---------------------------------------------------------------------------------------------
// Tokenizer files: the shape of a real bert-base-uncased tokenizer.json, with a tiny vocabulary.

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

export const DEFAULT_WORDS = [
  'the', 'a', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'hello', 'world', 'cat', 'sat',
  'on', 'mat', 'is', 'query', 'passage', 'play', '##ing', '##ed', ':', '.', ',', '?', 'what', 'why',
  'solar', 'panels', 'water', 'energy', 'instruct', 'given', 'retrieve',
];

function tokenizerJson(vocab: Record<string, number>): unknown {
  const cls = vocab['[CLS]'];
  const sep = vocab['[SEP]'];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

function tokenizerConfigJson(maxLength: number): unknown {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: true,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
}

// ---------------------------------------------------------------------------------------------

export interface TinyModelOptions {
  /** Folder name inside the temp folder (the embedder applies e5 prefixes when it contains `e5`). */
  name?: string;
  hidden?: number;
  seed?: number;
  words?: readonly string[];
  /** Graph inputs besides `input_ids`, as in real BERT exports. */
  extraInputs?: readonly string[];
  /** Tokenizer `model_max_length` (truncation length, special tokens included). */
  maxLength?: number;
}

export interface TinyModel {
  /** Absolute path of the model folder (config.json, tokenizer*.json, onnx/model.onnx). */
  readonly dir: string;
  readonly hidden: number;
  readonly vocab: ReadonlyMap<string, number>;
  /** Row-major [vocabSize, hidden]. */
  readonly embeddings: Float32Array;
  /** Vocabulary ids of tokens (throws on an unknown token, so tests fail loudly). */
  ids(tokens: readonly string[]): number[];
  /** The row of the embedding matrix for one id (a copy). */
  row(id: number): Float32Array;
  /** Removes the temp folder. */
  cleanup(): void;
}

/** Write a tiny, loadable feature-extraction model into a fresh temp folder. */
export function writeTinyModel(options: TinyModelOptions = {}): TinyModel {
  const hidden = options.hidden ?? 16;
  const tokens = [...SPECIAL_TOKENS, ...(options.words ?? DEFAULT_WORDS)];
  const vocabObj: Record<string, number> = {};
  tokens.forEach((t, i) => (vocabObj[t] = i));
  const vocabSize = tokens.length;

  const rand = seededRandom(options.seed ?? 42);
  const embeddings = new Float32Array(vocabSize * hidden);
  for (let i = 0; i < embeddings.length; i++) embeddings[i] = rand() * 2 - 1;

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-tiny-'));
  const dir = path.join(root, options.name ?? 'tiny-bert');
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const writeJson = (file: string, value: unknown): void =>
    fs.writeFileSync(path.join(dir, file), JSON.stringify(value, null, 2));

  writeJson('config.json', {
    model_type: 'bert',
    architectures: ['BertModel'],
    hidden_size: hidden,
    vocab_size: vocabSize,
    num_hidden_layers: 0,
    num_attention_heads: 1,
    intermediate_size: hidden,
    max_position_embeddings: options.maxLength ?? 512,
    pad_token_id: vocabObj['[PAD]'],
  });
  writeJson('tokenizer.json', tokenizerJson(vocabObj));
  writeJson('tokenizer_config.json', tokenizerConfigJson(options.maxLength ?? 512));
  writeJson('special_tokens_map.json', {
    cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]',
  });
  fs.writeFileSync(
    path.join(dir, 'onnx', 'model.onnx'),
    encodeGatherModel({ embeddings, vocabSize, hidden, extraInputs: options.extraInputs ?? ['attention_mask', 'token_type_ids'] }),
  );

  const vocab = new Map(Object.entries(vocabObj));
  return {
    dir,
    hidden,
    vocab,
    embeddings,
    ids(list) {
      return list.map((t) => {
        const id = vocab.get(t);
        if (id === undefined) throw new Error(`token ${t} is not in the tiny vocabulary`);
        return id;
      });
    },
    row(id) {
      return embeddings.slice(id * hidden, (id + 1) * hidden);
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
