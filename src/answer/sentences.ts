/** Sentence segmentation with character offsets, by ICU's rules (Intl.Segmenter). */
export interface Sentence {
  text: string;
  /** Offsets in the passage text. */
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Sentences of a passage; line breaks also end a sentence (headings, list items). */
export function splitSentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  for (const seg of segmenter.segment(text)) {
    let offset = seg.index;
    for (const line of seg.segment.split('\n')) {
      const lead = line.length - line.trimStart().length;
      const body = line.trim();
      if (body.length > 0) out.push({ text: body, start: offset + lead, end: offset + lead + body.length });
      offset += line.length + 1;
    }
  }
  return out;
}
