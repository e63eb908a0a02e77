/** Request logs: JSON lines with id, route, status and key name; question text only on request; never a key. */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/server/logger';
import { postJson, startTestServer } from './helpers';

const KEY = 'very-secret-key-42';

async function logsOf(env: Record<string, string>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)); cb(); } });
  const s = await startTestServer({ env: { SOBRE_API_KEYS: `alice:${KEY}`, ...env }, logger: createLogger('info', sink) });
  try {
    await postJson(`${s.url}/v1/ask`, { question: 'What port does Sobre listen on?' }, { authorization: `Bearer ${KEY}` });
    await postJson(`${s.url}/v1/ask`, { question: 'Wrong key question?' }, { 'x-api-key': `${KEY}-wrong` });
  } finally {
    await s.stop();
  }
  expect(lines.join('\n')).not.toContain(KEY);
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('one JSON line per request, with the key name and no question text by default', async () => {
  const requests = (await logsOf({})).filter((l) => l.msg === 'request');
  expect(requests).toHaveLength(2);
  expect(requests[0]).toMatchObject({ level: 'info', service: 'sobre', method: 'POST', route: '/v1/ask', status: 200, key: 'alice', requestId: expect.any(String), ms: expect.any(Number) });
  expect(requests[1]).toMatchObject({ status: 401 });
  expect(requests[1].key).toBeUndefined();
  for (const r of requests) expect(r.question).toBeUndefined();
});

test('question text with SOBRE_LOG_QUESTIONS=true', async () => {
  const requests = (await logsOf({ SOBRE_LOG_QUESTIONS: 'true' })).filter((l) => l.msg === 'request');
  expect(requests[0].question).toBe('What port does Sobre listen on?');
});
