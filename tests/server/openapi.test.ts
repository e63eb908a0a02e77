/** The OpenAPI document lists exactly the routes the app serves, with schemas generated from zod. */
import { listRoutes } from '../../src/server/routes';
import { openApiPath } from '../../src/server/openapi';
import { startTestServer, type TestServer, TEST_KEY } from './helpers';

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>; security: unknown[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }> }; parameters: { name: string; in: string }[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

let s: TestServer;
let doc: Doc;
beforeAll(async () => {
  s = await startTestServer({ env: { SOBRE_API_KEYS: `admin:${TEST_KEY}`, SOBRE_MAX_QUESTION_CHARS: '777' } });
  doc = (await (await fetch(`${s.url}/openapi.json`)).json()) as Doc;
});
afterAll(() => s.stop());

test('every route in the Express router stack is in the document, and every documented operation is served', () => {
  const served = new Set<string>();
  for (const r of listRoutes(s.service.app)) for (const m of r.methods) served.add(`${m} ${openApiPath(r.path)}`);
  const documented = new Set<string>();
  for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${p}`);
  expect([...served].sort()).toEqual([...documented].sort());
  // The walk does see every kind of route: app-level, nested routers, the report router.
  for (const key of ['POST /v1/ask', 'POST /v1/documents', 'DELETE /v1/documents/{id}', 'GET /v1/report.csv', 'GET /report', 'GET /metrics', 'GET /readyz']) {
    expect(served).toContain(key);
  }
});

test('is OpenAPI 3.1 with generated request schemas and problem responses', () => {
  expect(doc.openapi).toBe('3.1.0');
  const ask = doc.paths['/v1/ask'].post;
  const body = ask.requestBody?.content['application/json'].schema;
  expect(body?.properties.question).toMatchObject({ type: 'string', minLength: 1, maxLength: 777 });
  expect(Object.keys(ask.responses['200'].content ?? {})).toEqual(['application/json', 'text/event-stream']);
  expect(ask.responses['200'].content?.['application/json'].schema).toMatchObject({ type: 'object', properties: { route: { enum: ['direct', 'cache', 'faq', 'curated', 'generate', 'passages', 'abstain'] } } });
  for (const status of ['400', '401', '413', '415', '429']) expect(Object.keys(ask.responses[status].content ?? {})).toEqual(['application/problem+json']);
  expect(ask.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
  expect(doc.paths['/healthz'].get.security).toEqual([]);
  expect(doc.paths['/v1/documents/{id}'].delete.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
  expect(doc.paths['/v1/report'].get.parameters.map((p) => p.name)).toEqual(['from', 'to', 'days']);
  expect(Object.keys(doc.paths['/v1/documents'].post.requestBody?.content ?? {})).toEqual(['multipart/form-data']);
  expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth', 'apiKeyHeader']);
});
