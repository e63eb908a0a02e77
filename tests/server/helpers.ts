/**
 * Shared by the server tests: a calibration file written by the test (the real format, built
 * from the real feature lists), a config over a temp data dir, an in-process service on a free
 * port with the HashEmbedder, a tiny corpus, and multipart / raw HTTP helpers.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CALIBRATION_VERSION, type Calibration } from '../../src/answer/calibration';
import { FEATURE_NAMES } from '../../src/answer/features';
import type { LogisticModel } from '../../src/answer/logistic';
import { SELECTOR_FEATURES } from '../../src/answer/sentence-selector';
import { loadConfig, type SobreConfig } from '../../src/config';
import type { Embedder } from '../../src/embed/types';
import type { Generator } from '../../src/generate/types';
import { silentLogger, type Logger } from '../../src/server/logger';
import type { Problem } from '../../src/server/problem';
import { createService, type Service } from '../../src/server/service';
import { HashEmbedder } from '../helpers/hash-embedder';
import { makeTempDir, removeDir } from '../helpers/temp';

function model(names: readonly string[], weights: Record<string, number>, bias: number): LogisticModel {
  return { featureNames: [...names], means: names.map(() => 0), scales: names.map(() => 1), weights: names.map((n) => weights[n] ?? 0), bias };
}

/**
 * A calibration in loadCalibration's format: sentences covering the question's words go
 * direct (threshold 0.9 at the default target precision), others go to the generator.
 */
export function testCalibration(): Calibration {
  return {
    version: CALIBRATION_VERSION,
    createdAt: '2024-01-01T00:00:00.000Z',
    embedderId: 'test',
    datasets: ['server-tests'],
    selector: model(SELECTOR_FEATURES, { coverage: 5, coverage_with_title: 1, typed_found: 1 }, -3),
    model: model(FEATURE_NAMES, { sentence_plain_coverage: 10 }, -4),
    fusion: { lexical: 1, dense: 0 },
    abstainBelowCoverage: 0.2,
    curve: [{ threshold: 0.9, answered: 50, precision: 0.96, precisionLower: 0.92, precisionAll: 0.96, coverage: 0.5, unanswerableDirectRate: null }],
    validation: { questions: 100, answerable: 80, documents: 10 },
  };
}

export function writeCalibration(dir: string): string {
  const file = path.join(dir, 'calibration.json');
  fs.writeFileSync(file, JSON.stringify(testCalibration()));
  return file;
}

export const CORPUS: Record<string, string> = {
  'port.md': '# Network settings\n\nSobre listens on port 3000 by default.\nThe service binds to the address 127.0.0.1 unless HOST is set.\n',
  'ledger.md': '# The ledger\n\nThe ledger records one row per question.\nEach row keeps the route, the confidence and the estimated energy.\n',
  'formats.txt': 'Sobre ingests Markdown, plain text, HTML, PDF and JSON Lines files.\nScanned PDF files without a text layer are reported as failed.\n',
};

export function writeCorpus(dir: string, files: Record<string, string | Buffer> = CORPUS): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

export function testConfig(root: string, env: Record<string, string> = {}): SobreConfig {
  const calibration = fs.existsSync(path.join(root, 'calibration.json')) ? path.join(root, 'calibration.json') : writeCalibration(root);
  return loadConfig({
    SOBRE_DATA_DIR: path.join(root, 'data'),
    SOBRE_CORPUS_DIR: path.join(root, 'corpus'),
    SOBRE_CALIBRATION: calibration,
    SOBRE_GENERATOR: 'none',
    SOBRE_LOG_LEVEL: 'silent',
    SOBRE_RATE_LIMIT_IP_PER_MIN: '0',
    SOBRE_RATE_LIMIT_KEY_PER_MIN: '0',
    ...env,
  });
}

export interface TestServer {
  url: string;
  root: string;
  service: Service;
  config: SobreConfig;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  embedder?: Embedder;
  generator?: Generator | null;
  /** Files of the corpus ingested before listening (default CORPUS; {} for none). */
  corpus?: Record<string, string | Buffer>;
  logger?: Logger;
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const root = makeTempDir('sobre-server-');
  const config = testConfig(root, opts.env);
  const service = await createService(config, { embedder: opts.embedder ?? new HashEmbedder(), generator: opts.generator ?? null, logger: opts.logger ?? silentLogger() });
  const corpus = opts.corpus ?? CORPUS;
  if (Object.keys(corpus).length > 0) await service.ingest([writeCorpus(config.corpusDir, corpus)]);
  const { url } = await service.listen(0, '127.0.0.1');
  return {
    url, root, service, config,
    async stop() {
      await service.shutdown(2000);
      removeDir(root);
    },
  };
}

export const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** An admin key strong enough for SOBRE_API_KEYS (16+ characters, 8+ different ones). */
export const TEST_KEY = 'test-admin-key-5f3a9c1e7b';

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export function formWith(files: { name: string; content: string | Buffer }[]): FormData {
  const form = new FormData();
  for (const f of files) form.append('files', new Blob([typeof f.content === 'string' ? f.content : new Uint8Array(f.content)]), f.name);
  return form;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with exactly these bytes as body and these headers (no client-side validation). */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A multipart body built by hand, so file names reach the server byte for byte. */
export function multipartBody(parts: { filename: string; content: string | Buffer; field?: string }[]): { body: Buffer; contentType: string } {
  const boundary = `----sobre${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field ?? 'files'}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export type ProblemBody = Problem;

/** Assert a response is a problem document with this status, and return it. */
export async function expectProblem(res: Response, status: number, code?: string): Promise<ProblemBody> {
  const text = await res.text();
  expect({ status: res.status, text: text.slice(0, 300) }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const p = JSON.parse(text) as ProblemBody;
  expect(p).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), type: expect.stringMatching(/^https:\/\//) });
  expect(p.requestId).toBe(res.headers.get('x-request-id'));
  if (code) expect(p.code).toBe(code);
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
  return p;
}
