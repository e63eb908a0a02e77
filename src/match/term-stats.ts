/**
 * How rare a word is among questions people ask: a document-frequency table of question stems,
 * fitted by `npm run fit:matcher` on the fit part of the pairs and shipped beside the model.
 * The model's weights were fitted with these IDF values, so the same table is used at run time,
 * whatever the known questions are; words missing from the table (too rare to keep) count as
 * rarer than any kept word.
 */
export interface DocumentFrequencies {
  /** Question texts counted. */
  questions: number;
  /** Stems seen in fewer questions than this were dropped to keep the table small. */
  minDf: number;
  df: Record<string, number>;
}

/** BM25's IDF, as the store uses for passages. */
export function idfOf(n: number, df: number): number {
  return Math.log((n - df + 0.5) / (df + 0.5) + 1);
}

export class QuestionTermStats {
  private readonly df: Map<string, number>;

  constructor(private readonly table: DocumentFrequencies) {
    this.df = new Map(Object.entries(table.df));
  }

  idf(terms: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of terms) out.set(t, idfOf(this.table.questions, this.df.get(t) ?? 0));
    return out;
  }

  /** The IDF of a word too rare to be in the table: the scale IDF features are divided by. */
  get maxIdf(): number {
    return idfOf(this.table.questions, 0);
  }
}

/** The table of `texts`' content stems (each counted once per text), keeping those in at least `minDf`. */
export function countDocumentFrequencies(contentStems: Iterable<readonly string[]>, minDf: number): DocumentFrequencies {
  const counts = new Map<string, number>();
  let questions = 0;
  for (const stems of contentStems) {
    questions++;
    for (const s of new Set(stems)) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const df: Record<string, number> = {};
  for (const [s, c] of [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) if (c >= minDf) df[s] = c;
  return { questions, minDf, df };
}
