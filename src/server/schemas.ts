/**
 * Every request body, query and path parameter is validated by a zod schema from here, and the
 * OpenAPI document (openapi.ts) is generated from the same schemas. Response schemas are here
 * too, for the document only.
 */
import { z } from 'zod';
import { resolveReportRange } from '../report/range';
import { errorMessage } from '../errors';
import { httpError } from './problem';

export function askRequestSchema(maxQuestionChars: number) {
  return z
    .object({
      question: z.string().trim().min(1, 'question must not be empty').max(maxQuestionChars, `question is longer than ${maxQuestionChars} characters`)
        .describe('The question, in any language the corpus is in'),
      stream: z.boolean().optional().describe('Answer as server-sent events (same as Accept: text/event-stream)'),
      explain: z.boolean().optional().describe("Add the router's features and their contributions"),
    })
    .strict();
}

export const askQuerySchema = z.object({
  explain: z.enum(['0', '1', 'true', 'false']).optional().describe('The same as the body field explain'),
});

export const reportQuerySchema = z
  .object({
    from: z.string().max(64).optional().describe('ISO 8601 date or date-time, inclusive (default: 7 days before `to`)'),
    to: z.string().max(64).optional().describe('ISO 8601 date or date-time, exclusive (default: now)'),
    days: z.string().max(8).optional().describe('The number of days before `to` (instead of `from`)'),
  })
  .superRefine((q, ctx) => {
    try {
      resolveReportRange(q, new Date());
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: errorMessage(e) });
    }
  });

export const documentIdParamsSchema = z.object({
  id: z.string().regex(/^[1-9][0-9]*$/, 'id must be a positive integer')
    .refine((id) => id.length < 16 || Number(id) <= Number.MAX_SAFE_INTEGER, `id must be at most ${Number.MAX_SAFE_INTEGER}`)
    .describe('Document id'),
});

export const jobIdParamsSchema = z.object({ id: z.uuid('id must be a job id (a UUID)').describe('Job id, from a 202 response') });

/** Multer's view of the uploaded files (bodies are checked by the ingest code). */
export const uploadedFilesSchema = z
  .array(z.object({ originalname: z.string().max(1024, 'file name longer than 1024 characters'), size: z.number().int().nonnegative() }))
  .min(1, 'no file in the form: send the files as multipart/form-data parts named files');

export const noQuerySchema = z.object({});

export const feedbackRequestSchema = z
  .object({
    answerId: z.string().uuid('answerId must be the answerId of a POST /v1/ask response').describe('The answerId of a POST /v1/ask response'),
    correct: z.boolean().describe('Whether the answer was right (thumbs up) or wrong (thumbs down)'),
  })
  .strict();

export const reviewFormSchema = z.object({
  answerId: z.string().uuid('answerId must be an answer id').describe('The answer reviewed'),
  verdict: z.enum(['right', 'wrong', 'skip']).describe("Whether the router's candidate sentence answers the question"),
  _csrf: z.string().max(200).optional().describe("The session's CSRF token (signed in by cookie)"),
});

export const calibrationIdParamsSchema = z.object({
  id: z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'id must be 0 (the calibration file) or a stored calibration id').describe('Calibration id (0: the calibration file)'),
});

export const signInQuerySchema = z.object({ next: z.string().max(200).optional().describe('Same-site path to go to once signed in (default /review)') });

export const signInFormSchema = z.object({
  key: z.string().describe('An API key from SOBRE_API_KEYS (never in a query string)'),
  next: z.string().max(200).optional(),
});

/** Parse with a schema or throw a 400 (413 for a question over the limit) problem. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
  const tooLong = where === 'body' && issue.code === 'too_big' && issue.path[0] === 'question';
  throw httpError(tooLong ? 413 : 400, tooLong ? 'too_large' : 'bad_request', `Invalid ${where}: ${at}${issue.message}`);
}

// ---- Responses (documentation) ----

const span = z.object({ start: z.number().int(), end: z.number().int() });

export const citationSchema = z.object({
  n: z.number().int().describe('Marker number in a generated answer ([1] is the first passage)'),
  documentId: z.number().int(),
  title: z.string(),
  name: z.string().describe("The document's file relative to the folder it was ingested from, or to the uploads folder (`#<id>` for a JSON Lines record)"),
  chunkId: z.number().int(),
  start: z.number().int(),
  end: z.number().int(),
  text: z.string(),
  score: z.number(),
  sentence: span.optional(),
  shortAnswer: span.extend({ text: z.string() }).optional(),
});

export const askResponseSchema = z.object({
  answerId: z.string().uuid().describe('Names this answer for POST /v1/feedback'),
  answer: z.string().nullable().describe('Null when only passages are given'),
  route: z.enum(['direct', 'cache', 'faq', 'curated', 'generate', 'passages', 'abstain']),
  confidence: z.number().nullable().describe('Calibrated probability that a direct answer is correct; for a known question (cache, faq, curated), that it is the same question as the one it matched'),
  citations: z.array(citationSchema),
  notice: z.string().optional(),
  timings: z.object({ embedMs: z.number(), searchMs: z.number(), routeMs: z.number(), generateMs: z.number(), totalMs: z.number() }),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number(), source: z.enum(['server', 'tokenizer', 'estimate']) }).optional(),
  model: z.string().optional(),
  compute: z.looseObject({}).optional().describe('The ledger row recorded for this question (docs/energy-method.md)'),
  explain: z.looseObject({}).optional(),
});

export const sseDescription =
  'Server-sent events: `route` {route, confidence} first; `token` {text} while a generator writes; for a direct answer, a known question (cache, faq, curated) or an abstention one `answer` event with the full response; always a final `done` event with the full response (the schema of application/json). An `error` event {code, detail} replaces `done` if the answer fails mid-stream.';

const documentResultSchema = z.object({
  id: z.number().int(),
  title: z.string(),
  outcome: z.enum(['added', 'updated', 'unchanged']),
  chunks: z.number().int(),
});

export const fileResultSchema = z.object({
  name: z.string().describe('The sanitised file name (with its folders) the upload is stored under, relative to the uploads folder'),
  status: z.enum(['added', 'updated', 'unchanged', 'failed']),
  code: z.string().optional().describe('Why it failed: bad_file, unsupported_format, too_large, unsafe_name, cancelled or internal'),
  reason: z.string().optional(),
  documents: z.array(documentResultSchema).describe('One per document (several for a JSON Lines file)'),
  pruned: z.number().int().optional().describe('JSON Lines documents of an earlier upload of this file that are gone'),
  lineFailures: z.array(z.object({ where: z.string(), reason: z.string() })).optional(),
});

export const uploadResponseSchema = z.object({
  files: z.array(fileResultSchema),
  summary: z.object({ added: z.number().int(), updated: z.number().int(), unchanged: z.number().int(), failed: z.number().int() }),
});

export const documentListSchema = z.object({
  documents: z.array(z.object({
    id: z.number().int(), name: z.string(), title: z.string(), format: z.string(), source: z.string().describe('Where the document was read from on the server'), chunks: z.number().int(),
    size: z.number().int(), createdAt: z.string(), updatedAt: z.string(),
  })),
});

export const deleteResponseSchema = z.object({ id: z.number().int(), deleted: z.literal(true), chunksRemoved: z.number().int() });

export const jobSchema = z.object({
  id: z.string(),
  kind: z.enum(['upload', 'delete']),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled'])
    .describe('cancelled: its request went away before it was handed off, or the service stopped; documents committed before stay'),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  progress: z.object({ filesDone: z.number().int(), filesTotal: z.number().int(), passagesEmbedded: z.number().int() }),
  result: z.unknown().optional().describe('What the request would have answered: the upload response (also when it failed or was cancelled), or the deletion'),
  error: z.object({ status: z.number().int(), code: z.string(), detail: z.string() }).optional().describe('The problem the request would have answered'),
});

export const healthSchema = z.object({ status: z.literal('ok') });

export const readySchema = z.object({
  status: z.enum(['ready', 'degraded']).describe('degraded: answers are served but their ledger rows cannot be written (checks.ledger false)'),
  checks: z.object({ model: z.boolean(), store: z.boolean(), index: z.boolean(), consistent: z.boolean(), accepting: z.boolean(), ledger: z.boolean() }),
  storeChunks: z.number().int().optional(),
  indexVectors: z.number().int().optional(),
});

export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  requestId: z.string().optional(),
});

/** Known answers (FAQ pairs, pinned answers, the cache). */
const knownKind = z.enum(['cache', 'faq', 'curated']);

export const knownListQuerySchema = z.object({
  kind: knownKind.optional(),
  namespace: z.string().max(200).optional().describe("An API key's name ('' = everyone's)"),
  limit: z.string().regex(/^[1-9][0-9]{0,3}$/, 'limit must be 1..9999').optional(),
  offset: z.string().regex(/^[0-9]{1,9}$/, 'offset must be a non-negative integer').optional(),
});

export const knownClearQuerySchema = z.object({
  kind: z.enum(['cache', 'curated']).optional().describe('FAQ pairs go with their documents, not here'),
  namespace: z.string().max(200).optional(),
});

export const knownIdParamsSchema = z.object({
  id: z.string().regex(/^[1-9][0-9]{0,15}$/, 'id must be a positive integer').describe('Known answer id'),
});

export const curatedAnswerRequestSchema = (maxQuestionChars: number) => z.strictObject({
  question: z.string().trim().min(1).max(maxQuestionChars),
  answer: z.string().trim().min(1).max(4000),
  chunkIds: z.array(z.number().int().positive()).max(20).optional().describe('Passages the answer cites; the answer goes when any of them goes'),
});

export const knownAnswerSchema = z.object({
  id: z.number().int(),
  kind: knownKind,
  namespace: z.string(),
  question: z.string(),
  answer: z.string(),
  citations: z.array(z.object({ chunkId: z.number().int(), documentId: z.number().int(), title: z.string(), source: z.string() })),
  generation: z.object({ generator: z.string(), model: z.string(), promptVersion: z.string(), promptTokens: z.number(), completionTokens: z.number() }).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string(),
  hits: z.number().int(),
});

export const knownListSchema = z.object({ total: z.number().int(), answers: z.array(knownAnswerSchema) });
export const knownRemovedSchema = z.object({ removed: z.number().int() });

/** OpenAI-compatible chat completions: the fields Sobre reads; other OpenAI parameters are accepted and ignored. */
const chatContentPart = z.looseObject({ type: z.literal('text'), text: z.string() });

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(200).describe('`sobre` or the generator model id (GET /v1/models); echoed back'),
  messages: z.array(z.looseObject({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: z.union([z.string(), z.array(chatContentPart), z.null()]).optional().describe('Text, or text parts'),
    name: z.string().optional(),
  })).min(1).max(200).describe('The last message is the user question; a short follow-up borrows the previous user message'),
  stream: z.boolean().nullable().optional().describe('Stream chat.completion.chunk server-sent events ending with data: [DONE]'),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(1).nullable().optional().describe('Only 1'),
});

const chatUsageSchema = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

export const sobreFieldSchema = z.object({
  route: z.enum(['direct', 'cache', 'faq', 'curated', 'generate', 'passages', 'abstain']),
  confidence: z.number().nullable(),
  notice: z.string().nullable(),
  citations: z.array(z.object({ n: z.number().int(), title: z.string(), name: z.string(), documentId: z.number().int(), chunkId: z.number().int(), start: z.number().int(), end: z.number().int() })),
}).describe("Sobre's extra field: the answer route, its confidence and the citations of the Sources footer");

export const chatResponseSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(z.object({
    index: z.number().int(),
    message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
    finish_reason: z.literal('stop'),
    logprobs: z.null(),
  })),
  usage: chatUsageSchema.describe('Real tokens for a generated answer; otherwise estimates: the messages as prompt, the answer text as completion'),
  sobre: sobreFieldSchema,
});

export const chatStreamDescription =
  'Server-sent events `data: {chat.completion.chunk}`: the first has delta.role, then delta.content pieces (a generator\'s tokens as they come; a direct answer, known question or abstention in one piece), the Sources footer, a last chunk with finish_reason `stop` and the `sobre` field, a usage chunk (choices []) with stream_options.include_usage, then `data: [DONE]`. An error mid-stream is `data: {"error": {...}}`.';

export const modelListSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string() })),
});

export const openAiErrorSchema = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});
