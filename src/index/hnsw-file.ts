/**
 * Checking an hnswlib index file without hnswlib. hnswlib trusts its file: a short one makes it
 * throw "Index seems to be corrupted", random bytes inside make it read out of bounds and crash
 * the process, and its writer ignores write errors (a full disk leaves a short file behind a
 * "successful" save). So a file is read here, once, before it replaces the saved one and before
 * it is loaded: its checksum, and its structure walked the way hnswlib 0.8's `saveIndex` wrote
 * it (hnswalg.h): a header, one fixed-size record per element (level-0 links, vector, label),
 * then each element's upper-level links. Every count and neighbour id must be in range, and the
 * file must end exactly where the structure does.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export interface IndexFileFacts {
  size: number;
  sha256: string;
  elements: number;
}

/** Why a file is not a sound index (`check` throws it). */
export class IndexFileError extends Error {}

const CHUNK = 1 << 20;
const HEADER = 96;
const MAX_LEVEL = 64;

/** Sequential reads over a file in 1 MB chunks, hashing every byte once. */
class Reader {
  private buf = Buffer.alloc(0);
  private at = 0;
  private fileAt = 0;
  readonly hash = createHash('sha256');

  constructor(private readonly fd: number, readonly size: number) {}

  get position(): number {
    return this.fileAt - (this.buf.length - this.at);
  }

  take(n: number): Buffer {
    if (this.position + n > this.size) throw new IndexFileError(`it ends at byte ${this.size}, before its structure does (short or damaged)`);
    while (this.buf.length - this.at < n) {
      const chunk = Buffer.alloc(Math.min(CHUNK, this.size - this.fileAt));
      const read = fs.readSync(this.fd, chunk, 0, chunk.length, this.fileAt);
      if (read !== chunk.length) throw new IndexFileError('it changed while being read');
      this.hash.update(chunk);
      this.fileAt += read;
      this.buf = Buffer.concat([this.buf.subarray(this.at), chunk]);
      this.at = 0;
    }
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new IndexFileError(`header field at byte ${at} is out of range`);
  return Number(v);
}

/** Neighbour lists: a uint16 count (then flags) and `max` uint32 ids, each below `elements`. */
function checkLinks(b: Buffer, at: number, max: number, elements: number, onNeighbour?: (id: number) => void): void {
  const count = b.readUInt16LE(at);
  if (count > max) throw new IndexFileError(`a neighbour list holds ${count} entries, more than ${max}`);
  for (let i = 0; i < count; i++) {
    const id = b.readUInt32LE(at + 4 + i * 4);
    if (id >= elements) throw new IndexFileError(`a neighbour id (${id}) is beyond the ${elements} elements`);
    onNeighbour?.(id);
  }
}

/**
 * Size, checksum and element count of an index file of `dimension`-d float vectors; throws
 * `IndexFileError` saying what is wrong when it is not one hnswlib can load and search safely.
 */
export function checkIndexFile(file: string, dimension: number): IndexFileFacts {
  const fd = fs.openSync(file, 'r');
  try {
    const r = new Reader(fd, fs.fstatSync(fd).size);
    const h = r.take(HEADER);
    const [offsetLevel0, maxElements, elements, perElement, labelOffset, offsetData] = [0, 8, 16, 24, 32, 40].map((at) => u64(h, at));
    const maxLevel = h.readInt32LE(48);
    const entryPoint = h.readUInt32LE(52);
    const [maxM, maxM0, m] = [56, 64, 72].map((at) => u64(h, at));
    const linksLevel0 = maxM0 * 4 + 4;
    const linksUpper = maxM * 4 + 4;
    const layoutOk = offsetLevel0 === 0 && m >= 2 && m <= 10_000 && maxM === m && maxM0 === 2 * m
      && offsetData === linksLevel0 && labelOffset === linksLevel0 + dimension * 4 && perElement === labelOffset + 8;
    if (!layoutOk) throw new IndexFileError(`its header does not describe a ${dimension}-d index`);
    if (elements > maxElements || elements > 0xffffffff) throw new IndexFileError('its element count is out of range');
    if (HEADER + elements * perElement > r.size) throw new IndexFileError(`it ends at byte ${r.size}, before its ${elements} elements do (short or damaged)`);
    const levelsOk = elements === 0 ? maxLevel === -1 : maxLevel >= 0 && maxLevel < MAX_LEVEL && entryPoint < elements;
    if (!levelsOk) throw new IndexFileError('its entry point or top level is out of range');

    for (let i = 0; i < elements; i++) checkLinks(r.take(perElement), 0, maxM0, elements);
    // Upper levels: a neighbour at level l must itself reach level l (hnswlib reads its list there).
    const levels = new Uint8Array(elements);
    const upper: number[] = []; // (level, id) pairs
    for (let i = 0; i < elements; i++) {
      const bytes = r.take(4).readUInt32LE(0);
      if (bytes % linksUpper !== 0 || bytes / linksUpper > maxLevel) throw new IndexFileError(`element ${i} has an upper-level block of ${bytes} bytes`);
      levels[i] = bytes / linksUpper;
      if (bytes === 0) continue;
      const block = r.take(bytes);
      for (let level = 1; level <= levels[i]; level++) {
        checkLinks(block, (level - 1) * linksUpper, maxM, elements, (id) => upper.push(level, id));
      }
    }
    if (elements > 0 && levels[entryPoint] !== maxLevel) throw new IndexFileError('its entry point is not on the top level');
    for (let i = 0; i < upper.length; i += 2) {
      if (levels[upper[i + 1]] < upper[i]) throw new IndexFileError('an upper-level neighbour is missing from that level');
    }
    if (r.position !== r.size) throw new IndexFileError(`it has ${r.size - r.position} bytes past its structure`);
    return { size: r.size, sha256: r.hash.digest('hex'), elements };
  } finally {
    fs.closeSync(fd);
  }
}
