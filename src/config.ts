/**
 * The one configuration module. Every setting is declared once in SETTINGS (environment variable,
 * matching CLI flag, type, default, description); `loadConfig` validates all of them, fails fast
 * naming the bad setting and value, and returns a frozen typed object. The README's configuration
 * table is checked against SETTINGS by a test.
 */
import path from 'node:path';
import { SobreError } from './errors';

type Kind = 'int' | 'number' | 'range' | 'string' | 'bool' | 'enum' | 'list';

interface SettingSpec {
  env: string;
  kind: Kind;
  default: string;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
  /** A `number` that may be left empty (null): a value derived elsewhere applies. */
  optional?: boolean;
}

/** A `range` setting: `7` (min = max) or `6-8`, like EcoLogits' ValueOrRange. */
export interface Interval {
  readonly min: number;
  readonly max: number;
}

/** Settings that no longer exist: setting one stops start-up with this explanation. */
const REMOVED_SETTINGS: Readonly<Record<string, string>> = {
  SOBRE_ENERGY_SPREAD: 'ranges now come from the ranges of SOBRE_LLM_PARAMS_B, SOBRE_PUE and SOBRE_WUE_ONSITE_L_PER_KWH (docs/energy-method.md)',
};

export const SETTINGS = {
  port: { env: 'PORT', kind: 'int', default: '3000', min: 0, max: 65535, doc: 'HTTP port of the service' },
  host: { env: 'HOST', kind: 'string', default: '127.0.0.1', doc: 'Address the service binds to (localhost by default)' },
  dataDir: { env: 'SOBRE_DATA_DIR', kind: 'string', default: 'indexes', doc: 'Folder holding the SQLite store and the HNSW index' },
  corpusDir: { env: 'SOBRE_CORPUS_DIR', kind: 'string', default: 'corpus', doc: 'Documents ingested by `npm start` when the store is empty' },
  embedder: {
    env: 'SOBRE_EMBEDDER', kind: 'string', default: 'use-lite',
    doc: '`use-lite` (bundled, offline) or `transformers:<model id or local folder>`',
  },
  localFilesOnly: { env: 'SOBRE_LOCAL_FILES_ONLY', kind: 'bool', default: 'false', doc: 'transformers.js: never download, use only local model files' },
  modelCacheDir: { env: 'SOBRE_MODEL_CACHE', kind: 'string', default: '', doc: 'transformers.js model cache folder (default: its own)' },
  embedBatchSize: { env: 'SOBRE_EMBED_BATCH', kind: 'int', default: '16', min: 1, max: 1024, doc: 'Passages embedded per batch' },
  chunkSize: { env: 'SOBRE_CHUNK_SIZE', kind: 'int', default: '1000', min: 100, max: 20000, doc: 'Chunk size in characters' },
  chunkOverlap: { env: 'SOBRE_CHUNK_OVERLAP', kind: 'int', default: '100', min: 0, max: 5000, doc: 'Chunk overlap in characters' },
  maxFileBytes: { env: 'SOBRE_MAX_FILE_BYTES', kind: 'int', default: String(50 * 1024 * 1024), min: 1, doc: 'Larger files are refused at ingest' },
  hnswM: { env: 'SOBRE_HNSW_M', kind: 'int', default: '16', min: 2, max: 128, doc: 'HNSW graph degree M' },
  hnswEfConstruction: { env: 'SOBRE_HNSW_EF_CONSTRUCTION', kind: 'int', default: '200', min: 8, max: 2000, doc: 'HNSW efConstruction' },
  hnswEfSearch: { env: 'SOBRE_HNSW_EF_SEARCH', kind: 'int', default: '256', min: 1, max: 2000, doc: 'HNSW efSearch (256: recall@10 ≥ 0.98 against exact search at 100,000 chunks, docs/benchmarks.md)' },
  lexicalCommonShare: {
    env: 'SOBRE_LEXICAL_COMMON_SHARE', kind: 'number', default: '0.05', min: 0, max: 1,
    doc: 'Lexical search leaves out a question\'s terms found in more than this share of the chunks (1: none; docs/architecture.md "Retrieval")',
  },
  lexicalCommonMinChunks: {
    env: 'SOBRE_LEXICAL_COMMON_MIN_CHUNKS', kind: 'int', default: '1000', min: 0,
    doc: '… and in at least this many chunks (small corpora keep every term)',
  },
  topK: { env: 'SOBRE_TOP_K', kind: 'int', default: '5', min: 1, max: 50, doc: 'Passages returned per question' },
  candidateK: { env: 'SOBRE_CANDIDATE_K', kind: 'int', default: '30', min: 1, max: 500, doc: 'Candidates taken from each retriever before fusion' },
  maxQuestionChars: { env: 'SOBRE_MAX_QUESTION_CHARS', kind: 'int', default: '1000', min: 10, max: 100000, doc: 'Longer questions are refused (413)' },
  calibrationFile: {
    env: 'SOBRE_CALIBRATION', kind: 'string', default: '',
    doc: 'Calibration file for the router and fusion weights (default: the one shipped in src/answer)',
  },
  targetPrecision: {
    env: 'SOBRE_TARGET_PRECISION', kind: 'number', default: '0.9', min: 0.5, max: 0.999,
    doc: 'Precision the router promises for direct answers; picks the threshold from the calibration',
  },
  generator: { env: 'SOBRE_GENERATOR', kind: 'enum', default: 'none', values: ['none', 'openai', 'local'], doc: 'Generator LLM: `none`, `openai` (any OpenAI-compatible server) or `local` (transformers.js in process)' },
  llmBaseUrl: { env: 'SOBRE_LLM_BASE_URL', kind: 'string', default: 'http://127.0.0.1:11434/v1', doc: 'OpenAI-compatible base URL (Ollama, llama.cpp, vLLM, LM Studio, hosted)' },
  llmModel: { env: 'SOBRE_LLM_MODEL', kind: 'string', default: 'qwen2.5:0.5b', doc: 'Generator model name (or model id for `local`)' },
  llmApiKey: { env: 'SOBRE_LLM_API_KEY', kind: 'string', default: '', doc: 'API key for the generator server (never logged)' },
  llmTimeoutMs: { env: 'SOBRE_LLM_TIMEOUT_MS', kind: 'int', default: '30000', min: 100, max: 600000, doc: 'Timeout per generator call' },
  llmMaxTokens: { env: 'SOBRE_LLM_MAX_TOKENS', kind: 'int', default: '256', min: 1, max: 32768, doc: 'Max completion tokens' },
  llmTemperature: { env: 'SOBRE_LLM_TEMPERATURE', kind: 'number', default: '0', min: 0, max: 2, doc: 'Sampling temperature' },
  llmContextTokens: { env: 'SOBRE_LLM_CONTEXT_TOKENS', kind: 'int', default: '4096', min: 256, max: 1000000, doc: 'Model context window, bounds the passages sent' },
  llmParamsB: { env: 'SOBRE_LLM_PARAMS_B', kind: 'range', default: '0.5', min: 0.001, max: 10000, doc: 'Active parameters of the generator, in billions (energy method); a range such as `6-8` when uncertain' },
  llmRetries: { env: 'SOBRE_LLM_RETRIES', kind: 'int', default: '2', min: 0, max: 10, doc: 'Retries on 429/5xx' },
  electricityMix: {
    env: 'SOBRE_ELECTRICITY_MIX', kind: 'string', default: 'WOR',
    doc: 'Electricity mix zone of the generator\'s datacentre: `WOR` (world) or an ISO 3166-1 alpha-3 code from EcoLogits\' table (`FRA`, `USA`, ...; docs/energy-method.md)',
  },
  gridIntensity: { env: 'SOBRE_GRID_GCO2_PER_KWH', kind: 'number', optional: true, default: '', min: 0, max: 2000, doc: 'Grid carbon intensity, gCO2e/kWh; empty = the electricity mix\'s' },
  pue: { env: 'SOBRE_PUE', kind: 'range', default: '1.09-1.2', min: 1, max: 3, doc: 'Datacentre power usage effectiveness for a remote generator (a value or a range)' },
  wueOnSite: { env: 'SOBRE_WUE_ONSITE_L_PER_KWH', kind: 'range', default: '0.09-0.999', min: 0, max: 20, doc: 'On-site (cooling) water use effectiveness, L/kWh (a value or a range)' },
  wueOffSite: { env: 'SOBRE_WUE_OFFSITE_L_PER_KWH', kind: 'number', optional: true, default: '', min: 0, max: 20, doc: 'Off-site (electricity generation) water intensity, L/kWh; empty = the electricity mix\'s' },
  embodied: { env: 'SOBRE_EMBODIED', kind: 'bool', default: 'true', doc: 'Estimate the embodied (hardware manufacturing) impacts of a remote LLM call, shown apart from usage' },
  cpuWattsPerCore: { env: 'SOBRE_CPU_WATTS_PER_CORE', kind: 'number', default: '10', min: 0, max: 500, doc: 'Watts per busy core, to turn measured CPU time into Wh' },
  storeQuestions: { env: 'SOBRE_LEDGER_STORE_QUESTIONS', kind: 'enum', default: 'text', values: ['text', 'hash'], doc: 'Ledger keeps question text or only its hash' },
  retentionDays: { env: 'SOBRE_LEDGER_RETENTION_DAYS', kind: 'int', default: '90', min: 0, max: 36500, doc: 'Question text older than this is dropped from the ledger (0 = keep)' },
  gpuWhPerTokenAlpha: { env: 'SOBRE_GPU_WH_PER_TOKEN_ALPHA', kind: 'number', default: '1.1665273170451914e-6', min: 0, max: 1, doc: 'EcoLogits GPU energy fit α: Wh per output token per billion active parameters (scaled by e^(β·batch))' },
  gpuWhPerTokenBeta: { env: 'SOBRE_GPU_WH_PER_TOKEN_BETA', kind: 'number', default: '-0.011205921025579175', min: -1, max: 1, doc: 'EcoLogits GPU energy fit β: batch-size exponent' },
  gpuWhPerTokenGamma: { env: 'SOBRE_GPU_WH_PER_TOKEN_GAMMA', kind: 'number', default: '4.052928146734005e-5', min: 0, max: 1, doc: 'EcoLogits GPU energy fit γ: Wh per output token independent of model size' },
  servingBatchSize: { env: 'SOBRE_SERVING_BATCH_SIZE', kind: 'int', default: '64', min: 1, max: 4096, doc: 'Requests served concurrently on the remote GPU (EcoLogits assumes 64)' },
  defaultCompletionTokens: { env: 'SOBRE_LEDGER_DEFAULT_COMPLETION_TOKENS', kind: 'int', default: '150', min: 1, max: 32768, doc: 'Completion tokens assumed for an avoided LLM call until the ledger has real ones' },
  contentGapThreshold: { env: 'SOBRE_LEDGER_GAP_THRESHOLD', kind: 'number', default: '0.5', min: 0, max: 1, doc: 'Share of content words (Jaccard, over stems) at which unanswered questions share a content-gap group' },
  apiKeys: { env: 'SOBRE_API_KEYS', kind: 'list', default: '', doc: 'Comma-separated `name:key` or `name:key:scope` entries (scope `ask`: questions only; `admin`, the default: everything); when set, asking needs a key. Keys: 16+ characters' },
  logLevel: { env: 'SOBRE_LOG_LEVEL', kind: 'enum', default: 'info', values: ['silent', 'error', 'warn', 'info', 'debug'], doc: 'Log level' },
  maxBodyBytes: { env: 'SOBRE_MAX_BODY_BYTES', kind: 'int', default: '65536', min: 1024, max: 10485760, doc: 'Largest JSON request body in bytes (413 above)' },
  rateLimitPerIp: { env: 'SOBRE_RATE_LIMIT_IP_PER_MIN', kind: 'int', default: '600', min: 0, max: 10000000, doc: 'Requests per minute from one client address, health probes excepted (0 = no limit)' },
  rateLimitPerKey: { env: 'SOBRE_RATE_LIMIT_KEY_PER_MIN', kind: 'int', default: '300', min: 0, max: 10000000, doc: 'Requests per minute per API key (0 = no limit)' },
  trustProxy: { env: 'SOBRE_TRUST_PROXY', kind: 'string', default: '', doc: 'Express `trust proxy` value behind a reverse proxy (`loopback`, `1`, a subnet...) so per-address limits see the client; empty = off' },
  requestTimeoutMs: { env: 'SOBRE_REQUEST_TIMEOUT_MS', kind: 'int', default: '30000', min: 100, max: 3600000, doc: 'A request not answered by then gets a 503 problem (a deletion answers 202 with its job instead; uploads have their own)' },
  uploadTimeoutMs: { env: 'SOBRE_UPLOAD_TIMEOUT_MS', kind: 'int', default: '300000', min: 1000, max: 86400000, doc: 'POST /v1/documents: not done by then, it answers 202 with its job, which goes on (GET /v1/jobs/:id)' },
  uploadMaxBytes: { env: 'SOBRE_UPLOAD_MAX_BYTES', kind: 'int', default: String(25 * 1024 * 1024), min: 1, doc: 'Largest uploaded file in bytes (413 above; SOBRE_MAX_FILE_BYTES applies too)' },
  uploadMaxFiles: { env: 'SOBRE_UPLOAD_MAX_FILES', kind: 'int', default: '20', min: 1, max: 1000, doc: 'Files per upload request (413 above)' },
  corsOrigins: { env: 'SOBRE_CORS_ORIGINS', kind: 'list', default: '', doc: 'Comma-separated browser origins allowed to call the API (`*` = any); empty = no CORS headers' },
  generatorConcurrency: { env: 'SOBRE_GENERATOR_CONCURRENCY', kind: 'int', default: '4', min: 1, max: 1024, doc: 'Generator calls running at once' },
  generatorQueue: { env: 'SOBRE_GENERATOR_QUEUE', kind: 'int', default: '32', min: 0, max: 100000, doc: 'Generator calls waiting for a slot; when full a question gets passages with a notice' },
  logQuestions: { env: 'SOBRE_LOG_QUESTIONS', kind: 'bool', default: 'false', doc: 'Put question text in the request log (API keys are never logged)' },
  embedCacheEntries: { env: 'SOBRE_EMBED_CACHE_ENTRIES', kind: 'int', default: '10000', min: 0, max: 10000000, doc: 'Service: questions and sentences whose vectors are kept in memory (about 2 KB each with USE-lite; 0 = no cache)' },
  knownQuestions: { env: 'SOBRE_KNOWN_QUESTIONS', kind: 'bool', default: 'true', doc: 'Answer a question the matcher recognises (a FAQ pair, a pinned answer, a cached generated answer) without the router or the LLM' },
  matchWrongHitRate: {
    env: 'SOBRE_MATCH_WRONG_HIT_RATE', kind: 'number', default: '0.02', min: 0.001, max: 0.5,
    doc: 'Share of known-question hits allowed to be wrong; picks the matcher threshold from its validation curve (docs/matching.md)',
  },
  cacheTtlHours: { env: 'SOBRE_CACHE_TTL_HOURS', kind: 'number', default: '168', min: 0, max: 87600, doc: 'Hours a cached generated answer is served (0 = until its passages change or it is evicted)' },
  cacheMaxEntries: { env: 'SOBRE_CACHE_MAX_ENTRIES', kind: 'int', default: '100000', min: 1, max: 100000000, doc: 'Cached generated answers kept; beyond, the least recently used go' },
  sessionSecret: { env: 'SOBRE_SESSION_SECRET', kind: 'string', default: '', doc: 'Signs browser sign-in sessions (never logged); empty = derived from SOBRE_API_KEYS, so instances with the same keys agree' },
  sessionTtlMinutes: { env: 'SOBRE_SESSION_TTL_MINUTES', kind: 'int', default: '480', min: 1, max: 43200, doc: 'A browser sign-in lasts this long' },
  databaseUrl: {
    env: 'SOBRE_DATABASE_URL', kind: 'string', default: '',
    doc: 'PostgreSQL (`postgres://user:password@host:5432/db`) holding documents, chunks, vectors and the ledger for several instances; each keeps a replica in SOBRE_DATA_DIR (docs/deployment.md). Empty: SQLite in SOBRE_DATA_DIR',
  },
  databaseSchema: { env: 'SOBRE_DATABASE_SCHEMA', kind: 'string', default: 'sobre', doc: 'PostgreSQL schema of Sobre\'s tables (created if missing)' },
  auditRate: { env: 'SOBRE_AUDIT_RATE', kind: 'number', default: '0.2', min: 0, max: 1, doc: 'Share of direct answers and known-question hits flagged, when given, for the audit sample that measures live precision and the wrong-hit rate (docs/learning.md)' },
  refitEvery: { env: 'SOBRE_REFIT_EVERY', kind: 'int', default: '0', min: 0, max: 1000000, doc: 'Refit the calibration from the labels every this many new labels (0 = only by hand)' },
  feedbackLabelWeight: { env: 'SOBRE_LABEL_WEIGHT_FEEDBACK', kind: 'number', default: '0.5', min: 0, max: 1, doc: "Weight of a client's feedback on a direct answer, a reviewer's label weighing 1" },
  generatorLabelWeight: { env: 'SOBRE_LABEL_WEIGHT_GENERATOR', kind: 'number', default: '0.25', min: 0, max: 1, doc: "Weight of the generator's agreement with the router's candidate (a weak label)" },
  calibrationPollSeconds: { env: 'SOBRE_CALIBRATION_POLL_SECONDS', kind: 'int', default: '10', min: 1, max: 3600, doc: 'How often the service reads the calibration in force and the audit from the store (instances sharing it switch together)' },
  workers: { env: 'SOBRE_WORKERS', kind: 'int', default: '0', min: 0, max: 256, doc: 'Serving processes sharing the port and SOBRE_DATA_DIR, a primary replacing any that dies (0 = one per core, 1 = a single process)' },
  embedThreads: { env: 'SOBRE_EMBED_THREADS', kind: 'int', default: '0', min: 0, max: 256, doc: 'Threads embedding passages at ingest, each with its own copy of the model (0 = one per core, 1 = in the ingesting thread)' },
  uploadEmbedThreads: {
    env: 'SOBRE_UPLOAD_EMBED_THREADS', kind: 'int', default: '1', min: 1, max: 256,
    doc: 'Service: threads embedding uploads in each serving process (1 = the serving thread, between questions; more = that many threads started at the first upload, each with its own copy of the model, sharing the cores with questions)',
  },
} as const satisfies Record<string, SettingSpec>;

type Specs = typeof SETTINGS;
type ValueOf<S> = S extends { kind: 'number'; optional: true }
  ? number | null
  : S extends { kind: 'int' | 'number' }
  ? number
  : S extends { kind: 'range' }
  ? Interval
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'list' }
      ? readonly string[]
      : S extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

export type SobreConfig = { readonly [K in keyof Specs]: ValueOf<Specs[K]> };
export type SettingName = keyof Specs;

/** `--data-dir` for `dataDir`: the CLI flag matching a setting. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function parseValue(key: string, spec: SettingSpec, raw: string, source: string): unknown {
  const fail = (why: string): never => {
    throw new SobreError('bad_config', `Invalid ${source}=${JSON.stringify(raw)}: ${why}`, { setting: key, value: raw });
  };
  const inBounds = (n: number): number => {
    if (spec.min !== undefined && n < spec.min) fail(`must be >= ${spec.min}`);
    if (spec.max !== undefined && n > spec.max) fail(`must be <= ${spec.max}`);
    return n;
  };
  switch (spec.kind) {
    case 'int':
    case 'number': {
      if (spec.optional && raw.trim() === '') return null;
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) fail('expected a number');
      if (spec.kind === 'int' && !Number.isInteger(n)) fail('expected an integer');
      return inBounds(n);
    }
    case 'range': {
      const bounds = parseInterval(raw);
      if (!bounds) return fail('expected a number or a range such as 1.1-1.3');
      if (bounds.min > bounds.max) fail('the range must go from low to high');
      return Object.freeze({ min: inBounds(bounds.min), max: inBounds(bounds.max) });
    }
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
      return fail('expected true or false');
    }
    case 'enum':
      if (!spec.values?.includes(raw)) fail(`expected one of ${spec.values?.join(', ')}`);
      return raw;
    case 'list':
      return Object.freeze(raw.split(',').map((s) => s.trim()).filter(Boolean));
    default:
      return raw;
  }
}

/** `7` or `6-8` (the dash that splits two numbers, so `1e-3-2e-3` works too); null otherwise. */
function parseInterval(raw: string): Interval | null {
  const number = (s: string): number | null => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null);
  const single = number(raw);
  if (single !== null) return { min: single, max: single };
  for (let i = raw.indexOf('-', 1); i > 0; i = raw.indexOf('-', i + 1)) {
    const min = number(raw.slice(0, i));
    const max = number(raw.slice(i + 1));
    if (min !== null && max !== null) return { min, max };
  }
  return null;
}

export interface ParsedArgs {
  /** Settings given as flags, by setting name. */
  flags: Partial<Record<SettingName, string>>;
  /** Everything else, in order (positional arguments and flags the script handles itself). */
  rest: string[];
}

/** Pull setting flags (`--port 8080` or `--port=8080`) out of argv; leave the rest to the caller. */
export function parseSettingFlags(argv: readonly string[]): ParsedArgs {
  const byFlag = new Map<string, SettingName>();
  for (const key of Object.keys(SETTINGS) as SettingName[]) byFlag.set(flagName(key), key);
  const flags: Partial<Record<SettingName, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const key = byFlag.get(name);
    if (!key) {
      rest.push(arg);
      continue;
    }
    if (eq > 0) flags[key] = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new SobreError('bad_config', `Flag ${name} needs a value`, { setting: key });
      flags[key] = next;
      i++;
    }
  }
  return { flags, rest };
}

/**
 * Validate every setting: flags win over the environment, which wins over defaults.
 * Relative paths are resolved against `cwd`.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: Partial<Record<SettingName, string>> = {},
  cwd: string = process.cwd(),
): SobreConfig {
  for (const [name, why] of Object.entries(REMOVED_SETTINGS)) {
    if (env[name] !== undefined) throw new SobreError('bad_config', `${name} was removed: ${why}`, { setting: name });
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
    const fromFlag = flags[key];
    const fromEnv = env[spec.env];
    const raw = fromFlag ?? fromEnv ?? spec.default;
    const source = fromFlag !== undefined ? flagName(key) : fromEnv !== undefined ? spec.env : `default of ${spec.env}`;
    out[key] = parseValue(key, spec, raw, source);
  }
  for (const key of ['dataDir', 'corpusDir'] as const) out[key] = path.resolve(cwd, out[key] as string);
  if ((out.calibrationFile as string) !== '') out.calibrationFile = path.resolve(cwd, out.calibrationFile as string);
  if ((out.chunkOverlap as number) >= (out.chunkSize as number)) {
    throw new SobreError('bad_config', `SOBRE_CHUNK_OVERLAP (${out.chunkOverlap}) must be smaller than SOBRE_CHUNK_SIZE (${out.chunkSize})`, { setting: 'chunkOverlap' });
  }
  const embedder = out.embedder as string;
  if (embedder !== 'use-lite' && !/^transformers:.+/.test(embedder)) {
    throw new SobreError('bad_config', `Invalid SOBRE_EMBEDDER=${JSON.stringify(embedder)}: expected use-lite or transformers:<model>`, { setting: 'embedder' });
  }
  for (const pair of out.apiKeys as readonly string[]) {
    const i = pair.indexOf(':');
    if (i <= 0 || i === pair.length - 1) {
      throw new SobreError('bad_config', 'Invalid SOBRE_API_KEYS: expected comma-separated name:key pairs', { setting: 'apiKeys' });
    }
  }
  if (!DATABASE_SCHEMA.test(out.databaseSchema as string)) {
    throw new SobreError('bad_config', `Invalid SOBRE_DATABASE_SCHEMA=${JSON.stringify(out.databaseSchema)}: lower-case letters, digits and _ (63 at most), not starting with a digit`, { setting: 'databaseSchema' });
  }
  if ((out.databaseUrl as string) !== '' && !/^postgres(ql)?:\/\//.test(out.databaseUrl as string)) {
    throw new SobreError('bad_config', 'Invalid SOBRE_DATABASE_URL: expected postgres://user:password@host:port/database', { setting: 'databaseUrl' });
  }
  return Object.freeze(out) as SobreConfig;
}

/** A PostgreSQL schema name Sobre accepts: it never needs quoting. */
export const DATABASE_SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** The README's configuration table, generated from SETTINGS (`npm run docs` writes it; a test checks it). */
export function settingsMarkdown(): string {
  const rows = (Object.entries(SETTINGS) as [string, SettingSpec][]).map(([key, s]) => {
    const values = s.kind === 'enum' && s.values ? ` (${s.values.map((v) => `\`${v}\``).join(', ')})` : '';
    return `| \`${s.env}\` | \`${flagName(key)}\` | ${s.default === '' ? '(empty)' : `\`${s.default}\``} | ${s.doc}${values} |`;
  });
  return ['| variable | flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
