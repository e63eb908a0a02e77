import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { SobreError } from '../errors';
import { sha256Hex } from './hash';
import type { Chunk } from './types';

export interface ChunkOptions {
  /** Maximum chunk length in UTF-16 code units (`string.length`). */
  chunkSize: number;
  /** Maximum characters shared by consecutive chunks. */
  chunkOverlap: number;
}

/** Paragraphs, then lines, then sentence ends, then words, then characters as a last resort. */
export const SEPARATORS: readonly string[] = ['\n\n', '\n', '. ', '? ', '! ', ' ', ''];

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * LangChain's splitter with separators kept at the END of the piece they close ("one. " | "two"),
 * where LangChain.js 1.x keeps them at the start (". two"), which would begin chunks with
 * punctuation. The pieces still concatenate to the input exactly, so every chunk the splitter
 * emits (pieces joined with "", then trimmed) is a substring of the text. Characters are split
 * by code point so a chunk never ends inside a surrogate pair.
 */
class EndSeparatorSplitter extends RecursiveCharacterTextSplitter {
  protected override splitOnSeparator(text: string, separator: string): string[] {
    const pieces = separator === '' ? Array.from(text) : text.split(new RegExp(`(?<=${escapeRegExp(separator)})`));
    return pieces.filter((s) => s !== '');
  }
}

/**
 * Start offsets of the splitter's pieces in `text`. The splitter only returns strings, and in
 * repeated passages (or periodic text such as "Yes!\nYes!\n…") several occurrences fit, so a bare
 * `indexOf` can pick the wrong one and leave text uncovered. What the splitter guarantees pins the
 * choice down: chunks come in order, chunk i+1 shares at most `overlap` characters with chunk i,
 * only whitespace lies between the text covered so far and the next chunk, and only whitespace
 * before the first and after the last. Occurrences are tried in order with backtracking; dead
 * states are remembered, and ordinary text has one candidate per chunk, so this stays linear.
 */
function locateAll(text: string, pieces: readonly string[], overlap: number): number[] | null {
  const nonSpace = /\S/g;
  const nextNonSpace = (from: number): number => {
    nonSpace.lastIndex = from;
    return nonSpace.exec(text)?.index ?? text.length;
  };
  const starts: number[] = [];
  const coverEnds: number[] = []; // furthest end among chunks 0..i
  const dead = new Set<string>(); // "chunk:start:coverEnd" placements known to lead nowhere
  const coverAfter = (i: number, at: number): number => Math.max(at + pieces[i].length, i > 0 ? coverEnds[i - 1] : 0);
  const candidates = (i: number): number[] => {
    const piece = pieces[i];
    const lo = i === 0 ? nextNonSpace(0) : Math.max(starts[i - 1], starts[i - 1] + pieces[i - 1].length - overlap);
    const hi = i === 0 ? lo : nextNonSpace(coverEnds[i - 1]);
    const reaching: number[] = [];
    const inside: number[] = [];
    for (let at = text.indexOf(piece, lo); at !== -1 && at <= hi; at = text.indexOf(piece, at + 1)) {
      if (dead.has(`${i}:${at}:${coverAfter(i, at)}`)) continue;
      // Prefer placements that cover new text; a chunk lying inside the previous one is rare.
      (i === 0 || at + piece.length > coverEnds[i - 1] ? reaching : inside).push(at);
    }
    // A chunk inside the previous one is the splitter's retained overlap plus trailing whitespace,
    // so it ends where the previous one ends: try the latest occurrence first.
    return reaching.concat(inside.reverse());
  };
  const stack: number[][] = [candidates(0)];
  while (stack.length > 0) {
    const i = stack.length - 1;
    const options = stack[i];
    if (starts.length > i) {
      dead.add(`${i}:${starts[i]}:${coverEnds[i]}`); // everything after this placement failed
      starts.pop();
      coverEnds.pop();
    }
    const at = options.shift();
    if (at === undefined) {
      stack.pop();
      continue;
    }
    starts.push(at);
    coverEnds.push(coverAfter(i, at));
    if (i + 1 < pieces.length) stack.push(candidates(i + 1));
    else if (nextNonSpace(coverEnds[i]) === text.length) return starts;
  }
  return null;
}

/**
 * Split cleaned text into overlapping chunks with exact offsets:
 * `text.slice(chunk.start, chunk.end) === chunk.text` for every chunk.
 */
export async function chunkText(text: string, opts: ChunkOptions): Promise<Chunk[]> {
  const { chunkSize, chunkOverlap } = opts;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new SobreError('bad_config', `chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new SobreError('bad_config', `chunkOverlap must be an integer in [0, chunkSize), got ${chunkOverlap}`);
  }
  if (text.trim() === '') return [];
  const splitter = new EndSeparatorSplitter({ chunkSize, chunkOverlap, separators: [...SEPARATORS], keepSeparator: true });
  const pieces = await splitter.splitText(text);
  if (pieces.length === 0) return [];
  const starts = locateAll(text, pieces, chunkOverlap);
  if (starts === null) throw new SobreError('internal', 'could not locate the chunks in the document text');
  const chunks: Chunk[] = [];
  let coverEnd = 0;
  pieces.forEach((piece, i) => {
    const start = starts[i];
    const end = start + piece.length;
    // Drop a chunk that only repeats the tail of the previous one: it adds nothing to retrieve.
    if (end <= coverEnd) return;
    coverEnd = end;
    chunks.push({ ordinal: chunks.length, text: piece, start, end, hash: sha256Hex(piece) });
  });
  return chunks;
}
