import { chunkText } from '../../src/ingest/chunk';
import { cleanText } from '../../src/ingest/clean';
import { sha256Hex } from '../../src/ingest/hash';
import type { Chunk } from '../../src/ingest/types';
import { prng } from './fixtures';

/** Every invariant the rest of Sobre relies on; returns the violations (plain checks: fast in loops). */
function violations(text: string, chunks: Chunk[], size: number, overlap: number): string[] {
  const out: string[] = [];
  const fail = (i: number, why: string) => out.push(`chunk ${i}: ${why}`);
  chunks.forEach((c, i) => {
    if (c.ordinal !== i) fail(i, `ordinal ${c.ordinal}`);
    if (text.slice(c.start, c.end) !== c.text) fail(i, `offsets ${c.start}-${c.end} do not match its text`);
    if (c.text.length === 0 || c.text.trim() !== c.text) fail(i, 'empty or untrimmed');
    if (c.text.length > size) fail(i, `length ${c.text.length} > chunkSize ${size}`);
    if (c.hash !== sha256Hex(c.text)) fail(i, 'hash');
    if (/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(c.text)) fail(i, 'splits a surrogate pair');
    if (i > 0) {
      const prev = chunks[i - 1];
      if (c.start < prev.start || c.end <= prev.end) fail(i, 'out of order or inside the previous chunk');
      if (prev.end - c.start > overlap) fail(i, `overlap ${prev.end - c.start} > chunkOverlap ${overlap}`);
      if (text.slice(prev.end, c.start).trim() !== '') fail(i, 'text between chunks left out');
    }
  });
  if (chunks.length > 0) {
    if (text.slice(0, chunks[0].start).trim() !== '') out.push('text before the first chunk left out');
    if (text.slice(chunks[chunks.length - 1].end).trim() !== '') out.push('text after the last chunk left out');
  } else if (text.trim() !== '') out.push('no chunks for non-empty text');
  return out;
}

function checkInvariants(text: string, chunks: Chunk[], size: number, overlap: number): void {
  expect(violations(text, chunks, size, overlap)).toEqual([]);
}

const WORDS = ['the', 'river', 'Montréal', 'a', 'é', 'data', 'x', 'photosynthesis', 'of', 'and', '42', 'naïve', '😀', 'intergovernmentalisation'];
const SEPARATORS = [' ', ' ', ' ', ' ', '. ', '? ', '! ', '\n', '\n\n', ', ', '  '];

function randomText(rand: () => number): string {
  const n = Math.floor(rand() * 400);
  const base: string[] = [];
  for (let i = 0; i < n; i++) base.push(WORDS[Math.floor(rand() * WORDS.length)], SEPARATORS[Math.floor(rand() * SEPARATORS.length)]);
  const text = base.join('');
  // Repeat a passage sometimes: repeated text is where naive indexOf picks the wrong occurrence.
  return rand() < 0.4 ? `${text}\n\n${text}\n\n${text.slice(0, text.length / 2)}` : text;
}

describe('chunkText', () => {
  it('returns [] for empty or whitespace-only text', async () => {
    expect(await chunkText('', { chunkSize: 100, chunkOverlap: 10 })).toEqual([]);
    expect(await chunkText(' \n\n ', { chunkSize: 100, chunkOverlap: 10 })).toEqual([]);
  });

  it('returns one chunk for short text, with its offsets', async () => {
    const [c, ...rest] = await chunkText('  Short text.  ', { chunkSize: 100, chunkOverlap: 10 });
    expect(rest).toEqual([]);
    expect(c).toEqual({ ordinal: 0, text: 'Short text.', start: 2, end: 13, hash: sha256Hex('Short text.') });
  });

  it('splits on paragraphs first and keeps sentence punctuation with its sentence', async () => {
    const text = 'One two three. Four five six? Seven eight!\n\nSecond paragraph here.';
    const chunks = await chunkText(text, { chunkSize: 30, chunkOverlap: 0 });
    expect(chunks.map((c) => c.text)).toEqual(['One two three.', 'Four five six? Seven eight!', 'Second paragraph here.']);
    checkInvariants(text, chunks, 30, 0);
  });

  it('locates repeated paragraphs at their own occurrence', async () => {
    const para = 'The same paragraph appears again and again.';
    const text = Array.from({ length: 5 }, () => para).join('\n\n');
    const chunks = await chunkText(text, { chunkSize: para.length + 3, chunkOverlap: 10 });
    expect(chunks.map((c) => c.start)).toEqual([0, 1, 2, 3, 4].map((i) => i * (para.length + 2)));
    checkInvariants(text, chunks, para.length + 3, 10);
  });

  it('overlaps consecutive chunks by whole words up to chunkOverlap', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    const chunks = await chunkText(text, { chunkSize: 40, chunkOverlap: 12 });
    checkInvariants(text, chunks, 40, 12);
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const shared = chunks[i - 1].end - chunks[i].start;
      expect(shared).toBeGreaterThan(0);
      expect(chunks[i - 1].text.endsWith(text.slice(chunks[i].start, chunks[i - 1].end))).toBe(true);
    }
  });

  it('splits a word longer than chunkSize by characters, never inside a surrogate pair', async () => {
    const text = 'a'.repeat(25) + '😀'.repeat(10);
    const chunks = await chunkText(text, { chunkSize: 10, chunkOverlap: 3 });
    checkInvariants(text, chunks, 10, 3);
  });

  it('rejects invalid sizes with a bad_config error', async () => {
    await expect(chunkText('x', { chunkSize: 10, chunkOverlap: 10 })).rejects.toMatchObject({ code: 'bad_config' });
    await expect(chunkText('x', { chunkSize: 0, chunkOverlap: 0 })).rejects.toMatchObject({ code: 'bad_config' });
  });

  it('keeps every invariant over many random texts (seeded)', async () => {
    const rand = prng(20240611);
    for (let round = 0; round < 300; round++) {
      const size = 20 + Math.floor(rand() * 300);
      const overlap = Math.floor(rand() * Math.min(size, 80));
      const raw = randomText(rand);
      const text = rand() < 0.5 ? cleanText(raw) : raw;
      const chunks = await chunkText(text, { chunkSize: size, chunkOverlap: overlap });
      const problems = violations(text, chunks, size, overlap);
      if (problems.length > 0) throw new Error(`round ${round} (size ${size}, overlap ${overlap}): ${problems.slice(0, 5).join('; ')}`);
    }
  });

  it('keeps the invariants on highly repetitive text', async () => {
    for (const text of ['a'.repeat(500), 'ab '.repeat(200), 'x. '.repeat(150), 'Yes!\n'.repeat(100)]) {
      for (const [size, overlap] of [[10, 4], [37, 0], [50, 49]]) {
        checkInvariants(text, await chunkText(text, { chunkSize: size, chunkOverlap: overlap }), size, overlap);
      }
    }
  });
});
