/**
 * Writes, in a temporary model cache, a complete transformers.js text-generation model small enough to build
 * by hand, so `LocalGenerator` can run transformers.js + onnxruntime-node for real with no download:
 *
 * - config.json: a 1-layer, 1-head `qwen2` decoder (the architecture of the default local model);
 * - tokenizer.json + tokenizer_config.json: a WordPiece vocabulary with ChatML special tokens and a
 *   ChatML chat template (`<|im_start|>role\n...<|im_end|>`), like Qwen's;
 * - onnx/model_quantized.onnx (the file transformers.js loads for dtype q8, the generator's default; the
 *   weights are plain float32): a bigram language model. `logits[b, s] = W[input_ids[b, s]]`, and the KV
 *   cache is an embedding lookup concatenated to the past (`present = concat(past, E[input_ids])`), which
 *   is all transformers.js's generation loop needs. W is designed so greedy decoding after the prompt's last
 *   token ("assistant", from the template's generation prompt) spells `answer` token by token, then
 *   `<|im_end|>` (the EOS), or, with `loop`, cycles through `answer` forever.
 *
 * The ModelProto is encoded with the protobuf writer and graph helpers of tests/helpers/tiny-onnx.ts (no `onnx`
 * Python package here); field numbers follow onnx/onnx.proto.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataType, GraphProto, ModelProto, node, OperatorSetIdProto, ProtoWriter, tensor, valueInfo } from '../helpers/tiny-onnx';

const { FLOAT, INT64 } = DataType;

function encodeBigramDecoder(vocabSize: number, next: Map<number, number>, headDim: number): Buffer {
  const W = new Float32Array(vocabSize * vocabSize);
  for (const [from, to] of next) W[from * vocabSize + to] = 10;
  const E = Float32Array.from({ length: vocabSize * headDim }, (_, i) => ((i * 7919) % 97) / 97);
  const raw = (a: Float32Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const graph = (g: ProtoWriter) => {
    g.message(GraphProto.node, (n) => node(n, 'Gather', ['lm_table', 'input_ids'], ['logits'], 'lm_head', { axis: 0 }));
    g.message(GraphProto.node, (n) => node(n, 'Gather', ['kv_table', 'input_ids'], ['kv_new3'], 'kv_lookup', { axis: 0 }));
    g.message(GraphProto.node, (n) => node(n, 'Unsqueeze', ['kv_new3', 'head_axis'], ['kv_new'], 'kv_heads'));
    g.message(GraphProto.node, (n) => node(n, 'Concat', ['past_key_values.0.key', 'kv_new'], ['present.0.key'], 'cat_key', { axis: 2 }));
    g.message(GraphProto.node, (n) => node(n, 'Concat', ['past_key_values.0.value', 'kv_new'], ['present.0.value'], 'cat_value', { axis: 2 }));
    g.string(GraphProto.name, 'tiny_bigram_decoder');
    g.message(GraphProto.initializer, (t) => tensor(t, 'lm_table', FLOAT, [vocabSize, vocabSize], raw(W)));
    g.message(GraphProto.initializer, (t) => tensor(t, 'kv_table', FLOAT, [vocabSize, headDim], raw(E)));
    g.message(GraphProto.initializer, (t) => tensor(t, 'head_axis', INT64, [1], raw(BigInt64Array.from([1n]))));
    g.message(GraphProto.input, (v) => valueInfo(v, 'input_ids', INT64, ['batch', 'sequence']));
    g.message(GraphProto.input, (v) => valueInfo(v, 'attention_mask', INT64, ['batch', 'total_sequence']));
    g.message(GraphProto.input, (v) => valueInfo(v, 'past_key_values.0.key', FLOAT, ['batch', 1, 'past_sequence', headDim]));
    g.message(GraphProto.input, (v) => valueInfo(v, 'past_key_values.0.value', FLOAT, ['batch', 1, 'past_sequence', headDim]));
    g.message(GraphProto.output, (v) => valueInfo(v, 'logits', FLOAT, ['batch', 'sequence', vocabSize]));
    g.message(GraphProto.output, (v) => valueInfo(v, 'present.0.key', FLOAT, ['batch', 1, 'total_sequence', headDim]));
    g.message(GraphProto.output, (v) => valueInfo(v, 'present.0.value', FLOAT, ['batch', 1, 'total_sequence', headDim]));
  };
  return new ProtoWriter()
    .int(ModelProto.irVersion, 8)
    .string(ModelProto.producerName, 'sobre-tests')
    .message(ModelProto.graph, graph)
    .message(ModelProto.opsetImport, (o) => o.string(OperatorSetIdProto.domain, '').int(OperatorSetIdProto.version, 14))
    .finish();
}

export const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
const BASE_WORDS = ['[UNK]', 'system', 'user', 'assistant', 'Passages', 'Question', 'What', 'is', 'the', 'of', '?', ':', '.', ',', '[', ']'];

export interface TinyChatModelOptions {
  /** WordPiece tokens the model answers with, in order (`##x` continues the previous word). */
  answer: string[];
  /** Cycle through `answer` forever instead of ending with `<|im_end|>`. */
  loop?: boolean;
}

export interface TinyChatModel {
  /** Cache folder to pass as `cacheDir`. */
  cacheDir: string;
  /** Model id inside the cache. */
  modelId: string;
  /** The model folder itself (usable as a local-folder model). */
  dir: string;
  vocab: Record<string, number>;
  cleanup(): void;
}

export function writeTinyChatModel(opts: TinyChatModelOptions): TinyChatModel {
  const words = [...new Set([...BASE_WORDS, ...opts.answer])];
  const vocab: Record<string, number> = {};
  [...SPECIAL, ...words].forEach((w, i) => (vocab[w] = i));
  const chain = ['assistant', ...opts.answer].map((w) => vocab[w]);
  if (new Set(chain).size !== chain.length) throw new Error('a bigram model needs each answer token once');
  const next = new Map<number, number>();
  for (let i = 0; i + 1 < chain.length; i++) next.set(chain[i], chain[i + 1]);
  next.set(chain[chain.length - 1], opts.loop ? chain[1] : vocab['<|im_end|>']);

  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sobre-tiny-chat-'));
  const modelId = 'sobre-tests/tiny-chat';
  const dir = path.join(cacheDir, modelId);
  fs.mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const vocabSize = Object.keys(vocab).length;
  const headDim = 2;
  fs.writeFileSync(path.join(dir, 'onnx', 'model_quantized.onnx'), encodeBigramDecoder(vocabSize, next, headDim));
  const json = (file: string, value: unknown) => fs.writeFileSync(path.join(dir, file), JSON.stringify(value, null, 1));
  json('config.json', {
    model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], vocab_size: vocabSize, hidden_size: headDim,
    num_attention_heads: 1, num_key_value_heads: 1, num_hidden_layers: 1, head_dim: headDim,
    max_position_embeddings: 1_000_000, bos_token_id: null, eos_token_id: vocab['<|im_end|>'],
  });
  json('generation_config.json', { eos_token_id: [vocab['<|im_end|>']], do_sample: false });
  json('tokenizer.json', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  });
  json('tokenizer_config.json', {
    tokenizer_class: 'Qwen2Tokenizer', eos_token: '<|im_end|>', pad_token: '<|endoftext|>', unk_token: '[UNK]',
    model_max_length: 1_000_000, clean_up_tokenization_spaces: true,
    chat_template:
      "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  });
  return { cacheDir, modelId, dir, vocab, cleanup: () => fs.rmSync(cacheDir, { recursive: true, force: true }) };
}
