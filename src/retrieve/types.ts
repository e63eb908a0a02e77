/** One retrieved passage, with where it comes from. */
export interface Passage {
  chunkId: number;
  documentId: number;
  title: string;
  source: string;
  /** The document's name as clients see it (see DocumentInfo.name). */
  name: string;
  text: string;
  /** Character offsets of the chunk in its document's cleaned text. */
  start: number;
  end: number;
  /** Fused score (higher is better). */
  score: number;
  /** Raw signals kept for the router's features. */
  bm25: number | null;
  cosine: number | null;
  lexicalRank: number | null;
  denseRank: number | null;
}
