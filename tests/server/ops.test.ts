/** /healthz, /readyz, /metrics, security headers, the dashboard's CSP, CORS. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { auth, postJson, startTestServer, type TestServer, TEST_KEY } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { SOBRE_API_KEYS: `ops:${TEST_KEY}` } });
});
afterAll(() => s.stop());

test('/healthz and /readyz answer, /readyz with its checks', async () => {
  expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${s.url}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as { status: string; checks: Record<string, boolean>; storeChunks: number; indexVectors: number };
  expect(body.status).toBe('ready');
  expect(Object.values(body.checks).every(Boolean)).toBe(true);
  expect(body.storeChunks).toBe(body.indexVectors);
});

test('/readyz is 503 when the index disagrees with the store, and ready again once the change is announced', async () => {
  // Another writer adds a chunk without bumping the generation: the index cannot know of it.
  const db = new Database(path.join(s.config.dataDir, 'sobre.db'));
  try {
    const vector = db.prepare('SELECT vector FROM chunks LIMIT 1').pluck().get() as Buffer;
    db.prepare("INSERT INTO chunks (hash, title, text, vector) VALUES ('foreign', 'Foreign', 'a foreign chunk', ?)").run(vector);
    const res = await fetch(`${s.url}/readyz`);
    expect(res.status).toBe(503);
    const p = (await res.json()) as { code: string; checks: Record<string, boolean> };
    expect(p.code).toBe('not_ready');
    expect(p.checks).toMatchObject({ consistent: false, model: true, store: true });
    db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'").run();
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  } finally {
    db.prepare("DELETE FROM chunks WHERE hash = 'foreign'").run();
    db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'").run();
    db.close();
  }
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
});

test('/metrics: Prometheus text with the request, answer, saving, index and ingest metrics', async () => {
  await postJson(`${s.url}/v1/ask`, { question: 'What port does Sobre listen on?' }, auth(TEST_KEY));
  await postJson(`${s.url}/v1/ask`, { question: 'Who won the 1998 world cup?' }, auth(TEST_KEY));
  await fetch(`${s.url}/nowhere/${'x'.repeat(50)}`);
  const res = await fetch(`${s.url}/metrics`, { headers: auth(TEST_KEY) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const text = await res.text();
  for (const name of [
    'sobre_http_requests_total', 'sobre_http_request_duration_seconds_bucket', 'sobre_answers_total', 'sobre_llm_calls_avoided_total',
    'sobre_llm_energy_avoided_wh_total', 'sobre_llm_carbon_avoided_gco2e_total', 'sobre_path_energy_wh_total', 'sobre_index_vectors',
    'sobre_store_documents', 'sobre_store_chunks', 'sobre_ingest_documents_total', 'sobre_questions_waiting', 'sobre_embed_cache_hits_total',
    'sobre_embed_cache_misses_total',
  ]) expect(text).toContain(`# TYPE ${name.replace(/_bucket$/, '')}`);
  expect(text).toMatch(/sobre_http_requests_total\{method="POST",route="\/v1\/ask",status="200"\} 2/);
  expect(text).toMatch(/sobre_answers_total\{route="direct"\} 1/);
  expect(text).toMatch(/sobre_answers_total\{route="abstain"\} 1/);
  expect(text).toMatch(/sobre_llm_calls_avoided_total 2/);
  expect(Number(/^sobre_llm_energy_avoided_wh_total (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  expect(text).toMatch(/route="unmatched",status="404"/);
  expect(text).not.toMatch(/xxxxx/); // raw paths never become labels
  expect(text).toMatch(/sobre_index_vectors [1-9]/);
});

test('security headers on every response; the dashboard keeps its own CSP', async () => {
  const api = await fetch(`${s.url}/healthz`);
  expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  expect(api.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  expect(api.headers.get('x-powered-by')).toBeNull();
  const dash = await fetch(`${s.url}/report`, { headers: auth(TEST_KEY) });
  expect(dash.status).toBe(200);
  expect(dash.headers.get('content-type')).toMatch(/text\/html/);
  // Forms post only here (the period picker, sign-out); nothing else loads.
  expect(dash.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
});

test('no CORS headers unless SOBRE_CORS_ORIGINS is set', async () => {
  const res = await fetch(`${s.url}/healthz`, { headers: { origin: 'https://evil.example' } });
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
  const c = await startTestServer({ env: { SOBRE_CORS_ORIGINS: 'https://app.example' } });
  try {
    const pre = await fetch(`${c.url}/v1/ask`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const other = await fetch(`${c.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    await c.stop();
  }
});
