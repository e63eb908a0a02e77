import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface RunningService {
  url: string;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Start the compiled service (`npm test` builds first) as a real process on a free port, and
 * wait for its "listening" log line.
 */
export function startService(env: Record<string, string>, timeoutMs = 180_000): Promise<RunningService> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/src/server/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SOBRE_LOG_LEVEL: 'info', SOBRE_WORKERS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start in ${timeoutMs} ms:\n${logs.join('')}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      logs.push(text);
      for (const line of text.split('\n')) {
        if (!line.includes('listening')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number; url?: string };
          if (entry.msg === 'listening' && entry.port) {
            clearTimeout(timer);
            resolve({ url: `http://127.0.0.1:${entry.port}`, child, logs, stop });
          }
        } catch {
          // not a JSON log line
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${logs.join('')}`));
    });
  });
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json: JSON.parse(text) as Record<string, unknown> };
}
