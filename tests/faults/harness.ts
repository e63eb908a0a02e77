/**
 * The fault suite's tools: run compiled Sobre code (dist/, built by `npm test`) in a child
 * process, so a crash (a segfault in hnswlib) fails one test instead of killing jest, and so a
 * write failure can be injected with a file size limit (`prlimit --fsize`: writes past the limit
 * fail with EFBIG, as they fail with ENOSPC on a full disk). And a small tmpfs, mounted when the
 * tests run as root (CI), for a disk that really fills up.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/spawn-service';
import { makeTempDir } from '../helpers/temp';

export const DIST = path.join(ROOT, 'dist');

export interface NodeRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (what the script printed as its result). */
  result: Record<string, unknown> | null;
}

/** Run `script` (CommonJS; `DIST` is defined in it) with node, optionally under a file size limit in bytes. */
export function runNode(script: string, opts: { fileSizeLimit?: number; timeoutMs?: number } = {}): NodeRun {
  const code = `const DIST = ${JSON.stringify(DIST)};\n${script}`;
  const [cmd, args] = opts.fileSizeLimit !== undefined
    ? ['prlimit', [`--fsize=${opts.fileSizeLimit}`, process.execPath, '-e', code]]
    : [process.execPath, ['-e', code]];
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  if (r.error) throw r.error;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let result: Record<string, unknown> | null = null;
  try {
    result = JSON.parse(last) as Record<string, unknown>;
  } catch {
    result = null;
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, result };
}

export interface SmallDisk {
  dir: string;
  /** Make it read-only (`mount -o remount,ro`), or writable again. */
  setReadOnly(readOnly: boolean): void;
  unmount(): void;
}

/** A tmpfs of `bytes`, or null when this process cannot mount one (not root, no CAP_SYS_ADMIN). */
export function mountSmallDisk(bytes: number): SmallDisk | null {
  if (process.getuid?.() !== 0) return null;
  const dir = makeTempDir('sobre-tmpfs-');
  const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
  if (mount('-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir).status !== 0) {
    fs.rmdirSync(dir);
    return null;
  }
  return {
    dir,
    setReadOnly(readOnly) {
      const r = mount('-o', `remount,${readOnly ? 'ro' : 'rw'}`, dir);
      if (r.status !== 0) throw new Error(`remount failed: ${r.stderr}`);
    },
    unmount() {
      spawnSync('umount', ['-l', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
