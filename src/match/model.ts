/**
 * The matcher's file: the fitted model, the question-vocabulary table its IDF features read, and
 * the wrong-hit/recall curve measured on validation lookups, from which the threshold for a
 * target wrong-hit rate is read. Written by `npm run fit:matcher`; the default beside this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SobreError, errorMessage } from '../errors';
import type { BoostedTrees } from './boosted-trees';
import { MATCH_FEATURES } from './features';
import type { DocumentFrequencies } from './term-stats';

export const MATCHER_VERSION = 1;
export const DEFAULT_MATCHER_FILE = path.join(__dirname, 'default-matcher.json');

export interface MatchCurvePoint {
  threshold: number;
  /** Validation lookups whose best candidate reaches the threshold. */
  hits: number;
  /** Share of those hits on a known question that is not the asked one's duplicate. */
  wrongHitRate: number;
  /** One-sided 95% bootstrap upper bound of the wrong-hit rate. */
  wrongHitRateUpper: number;
  /** Share of the lookups with a duplicate among the known questions that hit it. */
  duplicateRecall: number;
}

export interface MatcherFile {
  version: number;
  createdAt: string;
  /** The vectors the cosine feature was fitted on; another embedder's cosines mean something else. */
  embedderId: string;
  /** Where the fit came from: file name, SHA-256 and the split, so an evaluation can tell seen pairs from unseen. */
  source: { file: string; sha256: string; pairs: number; validationShare: number };
  /** Known questions the index returns for each question (the candidates judged). */
  candidates: number;
  model: BoostedTrees;
  termStats: DocumentFrequencies;
  curve: MatchCurvePoint[];
  validation: { lookups: number; withDuplicate: number };
}

export interface MatchOperatingPoint {
  targetWrongHitRate: number;
  threshold: number;
  wrongHitRate: number;
  wrongHitRateUpper: number;
  duplicateRecall: number;
}

export function loadMatcherFile(file: string = DEFAULT_MATCHER_FILE): MatcherFile {
  let parsed: MatcherFile;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as MatcherFile;
  } catch (e) {
    throw new SobreError('bad_config', `Cannot read the matcher file ${file}: ${errorMessage(e)}. Run npm run fit:matcher.`);
  }
  if (parsed.version !== MATCHER_VERSION) {
    throw new SobreError('bad_config', `Matcher file ${file} is version ${parsed.version}; this Sobre reads version ${MATCHER_VERSION}. Run npm run fit:matcher.`);
  }
  const names = parsed.model?.featureNames;
  if (!names || names.length !== MATCH_FEATURES.length || names.some((n, i) => n !== MATCH_FEATURES[i])) {
    throw new SobreError('bad_config', `Matcher file ${file} was fitted on other features than this Sobre computes. Run npm run fit:matcher.`);
  }
  if (!Array.isArray(parsed.model.trees) || !parsed.termStats?.df || !Array.isArray(parsed.curve)) {
    throw new SobreError('bad_config', `Matcher file ${file} lacks its trees, term table or curve. Run npm run fit:matcher.`);
  }
  return parsed;
}

/**
 * The lowest threshold whose bootstrap upper bound on the wrong-hit rate stays within the target
 * (most duplicates found while keeping the promise). Without such a point nothing is a hit.
 */
export function matchOperatingPoint(curve: readonly MatchCurvePoint[], targetWrongHitRate: number): MatchOperatingPoint {
  let chosen: MatchCurvePoint | undefined;
  for (const p of curve) {
    if (p.wrongHitRateUpper <= targetWrongHitRate && (!chosen || p.threshold < chosen.threshold)) chosen = p;
  }
  if (!chosen) return { targetWrongHitRate, threshold: Number.POSITIVE_INFINITY, wrongHitRate: 0, wrongHitRateUpper: 0, duplicateRecall: 0 };
  const { threshold, wrongHitRate, wrongHitRateUpper, duplicateRecall } = chosen;
  return { targetWrongHitRate, threshold, wrongHitRate, wrongHitRateUpper, duplicateRecall };
}
