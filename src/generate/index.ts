/**
 * The generator LLM, from the configuration: `none` (no Generator: the pipeline returns passages with a
 * notice), `openai` (any OpenAI-compatible server) or `local` (transformers.js in process).
 */
import { SETTINGS, type SobreConfig } from '../config';
import { DEFAULT_LOCAL_MODEL, LocalGenerator, type LocalGeneratorOptions } from './local';
import { OpenAICompatibleGenerator, type OpenAIGeneratorOptions } from './openai';
import type { Generator } from './types';

export type { GenerateEvent, GenerateRequest, GenerateResult, Generator, GeneratorPassage, TokenUsage, TokenCounter } from './types';
export { buildPrompt, countTokensApprox, mapCitations, NO_ANSWER } from './prompt';
export { CircuitBreaker } from './circuit';
export { OpenAICompatibleGenerator } from './openai';
export { LocalGenerator, DEFAULT_LOCAL_MODEL } from './local';

type GeneratorConfig = Pick<
  SobreConfig,
  | 'generator' | 'llmBaseUrl' | 'llmModel' | 'llmApiKey' | 'llmTimeoutMs' | 'llmMaxTokens' | 'llmTemperature'
  | 'llmContextTokens' | 'llmRetries' | 'modelCacheDir' | 'localFilesOnly'
>;

export interface CreateGeneratorOverrides {
  openai?: Partial<OpenAIGeneratorOptions>;
  local?: Partial<LocalGeneratorOptions>;
}

/**
 * `null` for `generator: 'none'`. For `local`, loads the model now and throws `model_unavailable` when it
 * is not available offline. `llmModel`'s default names an Ollama model (`qwen2.5:0.5b`); for `local` that
 * default means the same model in ONNX form, `onnx-community/Qwen2.5-0.5B-Instruct`.
 */
export async function createGenerator(config: GeneratorConfig, overrides: CreateGeneratorOverrides = {}): Promise<Generator | null> {
  switch (config.generator) {
    case 'none':
      return null;
    case 'openai':
      return new OpenAICompatibleGenerator({
        baseUrl: config.llmBaseUrl,
        model: config.llmModel,
        apiKey: config.llmApiKey,
        temperature: config.llmTemperature,
        maxTokens: config.llmMaxTokens,
        contextTokens: config.llmContextTokens,
        timeoutMs: config.llmTimeoutMs,
        retries: config.llmRetries,
        ...overrides.openai,
      });
    case 'local':
      return LocalGenerator.create({
        model: config.llmModel === SETTINGS.llmModel.default ? DEFAULT_LOCAL_MODEL : config.llmModel,
        temperature: config.llmTemperature,
        maxTokens: config.llmMaxTokens,
        contextTokens: config.llmContextTokens,
        timeoutMs: config.llmTimeoutMs,
        localFilesOnly: config.localFilesOnly,
        cacheDir: config.modelCacheDir || undefined,
        ...overrides.local,
      });
  }
}
