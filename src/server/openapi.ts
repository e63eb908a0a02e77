/**
 * The OpenAPI 3.1 document served at GET /openapi.json, generated from the zod schemas that
 * validate the requests (schemas.ts) with `z.toJSONSchema`. A test checks that every route the
 * app serves is here and every operation here is served.
 */
import { z } from 'zod';
import type { Access } from './auth';
import * as s from './schemas';

type JsonSchema = Record<string, unknown>;
type SchemaLike = z.ZodType | JsonSchema;

interface ResponseSpec {
  description: string;
  content?: Record<string, SchemaLike>;
}

export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path (`/v1/documents/:id`). */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  query?: z.ZodObject | z.ZodType;
  params?: z.ZodObject;
  body?: Record<string, SchemaLike>;
  responses: Record<string, ResponseSpec>;
  /** Errors as OpenAI's `{ error }` JSON instead of problem documents (the OpenAI-compatible routes). */
  openAiErrors?: boolean;
}

export interface OpenApiOptions {
  maxQuestionChars: number;
  keysConfigured: boolean;
  version?: string;
}

const problem = (description: string): ResponseSpec => ({ description, content: { 'application/problem+json': s.problemSchema } });
const json = (description: string, schema: SchemaLike): ResponseSpec => ({ description, content: { 'application/json': schema } });
const anyObject: JsonSchema = { type: 'object' };
const openAi = (description: string): ResponseSpec => ({ description, content: { 'application/json': s.openAiErrorSchema } });
const accepted = json(
  "Not done within the request's deadline, or `Prefer: respond-async` was sent: the job goes on (its address is in Location; poll GET /v1/jobs/{id}). A client that leaves before an answer cancels its write",
  s.jobSchema,
);

export function operations(maxQuestionChars: number): OperationSpec[] {
  return [
    { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', tag: 'operations', access: 'public', query: s.noQuerySchema, responses: { 200: json('Up', s.healthSchema) } },
    {
      method: 'get', path: '/readyz', summary: 'Readiness: model loaded, store and index open and consistent, not shutting down', tag: 'operations', access: 'public', query: s.noQuerySchema,
      responses: { 200: json('Ready', s.readySchema), 503: problem('Not ready (the problem has a `checks` member)') },
    },
    { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', access: 'public', query: s.noQuerySchema, responses: { 200: json('OpenAPI 3.1', anyObject) } },
    {
      method: 'get', path: '/metrics', summary: 'Prometheus metrics', tag: 'operations', access: 'admin', query: s.noQuerySchema,
      responses: { 200: { description: 'Prometheus text format', content: { 'text/plain; version=0.0.4': { type: 'string' } } } },
    },
    {
      method: 'post', path: '/v1/ask', summary: 'Ask a question: a direct answer from the passages, a generated one, the passages, or an abstention', tag: 'questions', access: 'ask',
      query: s.askQuerySchema, body: { 'application/json': s.askRequestSchema(maxQuestionChars) },
      responses: {
        200: { description: 'The answer', content: { 'application/json': s.askResponseSchema, 'text/event-stream': { type: 'string', description: s.sseDescription } } },
        413: problem(`Question longer than ${maxQuestionChars} characters, or body too large`),
        415: problem('Not application/json'),
      },
    },
    {
      method: 'post', path: '/v1/chat/completions', summary: 'OpenAI-compatible chat completion: the last user message answered like POST /v1/ask, with a Sources footer', tag: 'questions', access: 'ask',
      query: s.noQuerySchema, body: { 'application/json': s.chatRequestSchema }, openAiErrors: true,
      responses: {
        200: { description: 'The completion', content: { 'application/json': s.chatResponseSchema, 'text/event-stream': { type: 'string', description: s.chatStreamDescription } } },
        404: openAi('No such model (see GET /v1/models)'),
        413: openAi('Body too large'),
        415: openAi('Not application/json'),
      },
    },
    {
      method: 'get', path: '/v1/models', summary: 'OpenAI-compatible model list: `sobre` and the configured generator', tag: 'questions', access: 'ask', query: s.noQuerySchema, openAiErrors: true,
      responses: { 200: json('Models', s.modelListSchema) },
    },
    {
      method: 'post', path: '/v1/documents', summary: 'Upload documents (.md .markdown .txt .html .htm .pdf .jsonl) and ingest them', tag: 'documents', access: 'admin', query: s.noQuerySchema,
      body: {
        'multipart/form-data': {
          type: 'object', required: ['files'],
          properties: { files: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' }, description: 'One part per file; the part file name names the document' } },
        },
      },
      responses: {
        200: json('Per-file results (some may have failed)', s.uploadResponseSchema),
        202: accepted,
        413: problem('A file or the number of files is over the limit'),
        415: problem('Not multipart/form-data'),
        422: problem('No file could be ingested (the problem has `files` and `summary` members)'),
        507: problem('The documents were committed but the index could not be saved (full disk); the problem has `files` and `summary`'),
      },
    },
    { method: 'get', path: '/v1/documents', summary: 'List the documents', tag: 'documents', access: 'admin', query: s.noQuerySchema, responses: { 200: json('Documents', s.documentListSchema) } },
    {
      method: 'delete', path: '/v1/documents/:id', summary: 'Delete a document, its chunks (unless shared) and their vectors', tag: 'documents', access: 'admin',
      params: s.documentIdParamsSchema,
      responses: { 200: json('Deleted', s.deleteResponseSchema), 202: accepted, 404: problem('No such document'), 507: problem('Deleted, but the index could not be saved (full disk)') },
    },
    {
      method: 'get', path: '/v1/jobs/:id', summary: 'A write (upload or deletion) answered with 202: its status, progress, result or error', tag: 'documents', access: 'admin',
      params: s.jobIdParamsSchema, query: s.noQuerySchema, responses: { 200: json('The job', s.jobSchema), 404: problem('No such job (jobs are kept an hour, and forgotten on restart)') },
    },
    {
      method: 'get', path: '/v1/answers', summary: 'List known answers: FAQ pairs found in documents, pinned answers, cached generated answers', tag: 'known questions', access: 'admin',
      query: s.knownListQuerySchema, responses: { 200: json('A page of known answers, oldest first', s.knownListSchema) },
    },
    {
      method: 'put', path: '/v1/answers', summary: 'Pin an answer to a question (replaces an earlier pin of the same question)', tag: 'known questions', access: 'admin',
      query: s.noQuerySchema, body: { 'application/json': s.curatedAnswerRequestSchema(maxQuestionChars) },
      responses: { 200: json('The pinned answer', s.knownAnswerSchema), 404: problem('A cited chunk does not exist'), 415: problem('Not application/json') },
    },
    {
      method: 'delete', path: '/v1/answers', summary: 'Clear cached (or pinned) answers, all or one namespace', tag: 'known questions', access: 'admin',
      query: s.knownClearQuerySchema, responses: { 200: json('How many were removed', s.knownRemovedSchema) },
    },
    {
      method: 'delete', path: '/v1/answers/:id', summary: 'Remove one cached or pinned answer', tag: 'known questions', access: 'admin',
      params: s.knownIdParamsSchema, responses: { 200: json('Removed', s.knownRemovedSchema), 404: problem('No such answer, or a FAQ pair (it goes with its document)') },
    },
    { method: 'get', path: '/v1/report', summary: 'The ledger report as JSON', tag: 'report', access: 'admin', query: s.reportQuerySchema, responses: { 200: json('Report (src/report/types.ts)', anyObject) } },
    {
      method: 'get', path: '/v1/report.csv', summary: 'The ledger report as CSV', tag: 'report', access: 'admin', query: s.reportQuerySchema,
      responses: { 200: { description: 'CSV', content: { 'text/csv': { type: 'string' } } } },
    },
    {
      method: 'get', path: '/report', summary: 'The ledger dashboard (self-contained HTML, no script); a browser without a session goes to /signin. Without keys, open to this machine when the service is bound to loopback', tag: 'report', access: 'admin', query: s.reportQuerySchema,
      responses: { 200: { description: 'HTML', content: { 'text/html': { type: 'string' } } } },
    },
    {
      method: 'post', path: '/v1/feedback', summary: "A client's thumbs up or down on an answer: a label for the router when the answer was direct", tag: 'learning', access: 'ask',
      query: s.noQuerySchema, body: { 'application/json': s.feedbackRequestSchema },
      responses: { 200: json('Recorded (`used`: whether it became a label; one per answer and key, a second replaces the first)', anyObject), 404: problem('Unknown answerId'), 415: problem('Not application/json') },
    },
    {
      method: 'get', path: '/v1/calibrations', summary: 'Stored calibrations, the one in force, and the promise measured live (audit precision, guard)', tag: 'learning', access: 'admin',
      query: s.noQuerySchema, responses: { 200: json('Calibrations and status (src/answer/learner.ts LearningStatus)', anyObject) },
    },
    {
      method: 'post', path: '/v1/calibrations/refit', summary: 'Refit the calibration from the labels now; a fitted one is put in force at once', tag: 'learning', access: 'admin',
      query: s.noQuerySchema, responses: { 200: json('Outcome: fitted (with its id) or insufficient (with how many more labels, an estimate)', anyObject) },
    },
    {
      method: 'post', path: '/v1/calibrations/:id/activate', summary: 'Put a stored calibration (0: the calibration file) in force', tag: 'learning', access: 'admin',
      query: s.noQuerySchema, params: s.calibrationIdParamsSchema,
      responses: { 200: json('Now in force', anyObject), 400: problem('Fitted from another calibration file'), 404: problem('No such calibration') },
    },
    {
      method: 'get', path: '/review', summary: "The review page: one question, the router's candidate sentence in its passage, right / wrong / skip (a browser without a key is sent to /signin)", tag: 'learning', access: 'admin',
      responses: { 200: { description: 'HTML (keys 1/y, 2/n, space/s)', content: { 'text/html': { type: 'string' } } }, 303: { description: 'A browser without a key or session: to /signin' } },
    },
    {
      method: 'post', path: '/review', summary: 'A reviewer label (right, wrong) or a skip; signed in by cookie it needs the CSRF token', tag: 'learning', access: 'admin',
      body: { 'application/x-www-form-urlencoded': s.reviewFormSchema },
      responses: { 303: { description: 'Recorded: back to /review' }, 403: problem('Missing or wrong CSRF token'), 404: problem('Unknown answerId') },
    },
    {
      method: 'get', path: '/signin', summary: 'The sign-in form for the admin pages (a browser cannot send a key header)', tag: 'sign-in', access: 'public', query: s.signInQuerySchema,
      responses: { 200: { description: 'HTML form', content: { 'text/html': { type: 'string' } } } },
    },
    {
      method: 'post', path: '/signin', summary: 'Sign in with an API key: sets the session cookie (HttpOnly, SameSite=Strict) and redirects to `next`', tag: 'sign-in', access: 'public',
      body: { 'application/x-www-form-urlencoded': s.signInFormSchema },
      responses: { 303: { description: 'Signed in: redirect to `next`' }, 401: { description: 'Wrong key: the form again', content: { 'text/html': { type: 'string' } } }, 403: problem('Sign-in disabled (no SOBRE_API_KEYS) or from another site') },
    },
    {
      method: 'post', path: '/signout', summary: "Sign out: clears the session cookie (needs the session's CSRF token)", tag: 'sign-in', access: 'public',
      responses: { 303: { description: 'Signed out: redirect to /signin' }, 403: problem('Missing or wrong CSRF token') },
    },
  ];
}

function toJson(schema: SchemaLike, io: 'input' | 'output'): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const out = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): JsonSchema[] {
  if (!schema) return [];
  const js = toJson(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, p]) => ({
    name, in: where, required: where === 'path' || (js.required ?? []).includes(name), description: p.description, schema: p,
  }));
}

export const openApiPath = (expressPath: string): string => expressPath.replace(/:(\w+)/g, '{$1}');

export function buildOpenApi(opts: OpenApiOptions): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const keyed = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  for (const op of operations(opts.maxQuestionChars)) {
    const responses: Record<string, unknown> = {};
    const err = op.openAiErrors ? openAi : problem;
    const all: Record<string, ResponseSpec> = { ...op.responses, 400: err('Invalid request'), 429: err('Rate limited (see Retry-After)'), 503: err('Timed out or not ready'), default: err('Error') };
    if (op.access === 'admin' || (op.access === 'ask' && opts.keysConfigured)) all[401] = err('Missing or invalid API key');
    if (op.access === 'admin') all[403] = problem('Admin routes are disabled until SOBRE_API_KEYS is set, and refused to keys of scope ask');
    for (const [status, r] of Object.entries({ ...all, ...op.responses })) {
      responses[status] = {
        description: r.description,
        ...(r.content ? { content: Object.fromEntries(Object.entries(r.content).map(([type, schema]) => [type, { schema: toJson(schema, 'output') }])) } : {}),
      };
    }
    const security = op.access === 'public' || (op.access === 'ask' && !opts.keysConfigured) ? [] : keyed;
    const operation: Record<string, unknown> = {
      operationId: `${op.method}${openApiPath(op.path).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: op.summary,
      tags: [op.tag],
      security,
      parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
      responses,
    };
    if (op.body) {
      operation.requestBody = { required: true, content: Object.fromEntries(Object.entries(op.body).map(([type, schema]) => [type, { schema: toJson(schema, 'input') }])) };
    }
    (paths[openApiPath(op.path)] ??= {})[op.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sobre',
      version: opts.version ?? '0.1.0',
      description: 'RAG-first question answering that skips the LLM when the passages already answer. Errors are RFC 9457 problem documents.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A key from SOBRE_API_KEYS' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'A key from SOBRE_API_KEYS' },
      },
    },
    paths,
  };
}
