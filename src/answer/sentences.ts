/** Sentence segmentation with character offsets, by ICU's rules (Intl.Segmenter). */
export interface Sentence {
  text: string;
  /** Offsets in the passage text. */
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

// ICU ends a sentence after any "word." followed by a capital: not after these, nor after an initial.
const ABBREVIATION = /(?:^|[\s(])(?:St|Mt|Ft|Mr|Mrs|Ms|Dr|Prof|Jr|Sr|Gen|Col|Lt|Sgt|Capt|Gov|Sen|Rep|Rev|Inc|Ltd|Co|Corp|vs|No|Vol|pp|approx|etc|e\.g|i\.e|U\.S|U\.K|Mme|Mlle|M)\.\s*$|(?:^|[\s.(])\p{Lu}\.\s*$/u;

/** Sentences of a passage; line breaks also end a sentence (headings, list items). */
export function splitSentences(text: string): Sentence[] {
  const pieces: { start: number; end: number }[] = [];
  for (const seg of segmenter.segment(text)) {
    const last = pieces.at(-1);
    if (last && ABBREVIATION.test(text.slice(last.start, last.end)) && !text.slice(last.start, last.end).includes('\n')) {
      last.end = seg.index + seg.segment.length;
    } else pieces.push({ start: seg.index, end: seg.index + seg.segment.length });
  }
  const out: Sentence[] = [];
  for (const piece of pieces) {
    let offset = piece.start;
    for (const line of text.slice(piece.start, piece.end).split('\n')) {
      const lead = line.length - line.trimStart().length;
      const body = line.trim();
      if (body.length > 0) out.push({ text: body, start: offset + lead, end: offset + lead + body.length });
      offset += line.length + 1;
    }
  }
  return out;
}
