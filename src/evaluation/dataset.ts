/**
 * Datasets in the `../shared/datasets` layout (corpus.jsonl + questions.jsonl), ingested into a
 * cached data folder of their own, and the deterministic fit/validation split by document group.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SobreConfig } from '../config';
import { SobreError } from '../errors';

export interface DatasetQuestion {
  id: string;
  question: string;
  answers: string[];
  answerable: boolean;
  gold_doc_ids: string[];
  source_doc_id?: string;
}

export interface Dataset {
  name: string;
  dir: string;
  corpusFile: string;
  questions: DatasetQuestion[];
  /** Passage id → title, the split's group key (a Wikipedia article). */
  titles: Map<string, string>;
}

function readJsonl<T>(file: string): T[] {
  if (!fs.existsSync(file)) throw new SobreError('not_found', `No such file: ${file}`);
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export function loadDataset(dir: string): Dataset {
  const abs = path.resolve(dir);
  const corpusFile = path.join(abs, 'corpus.jsonl');
  const titles = new Map<string, string>();
  for (const p of readJsonl<{ id: string; title?: string }>(corpusFile)) titles.set(p.id, p.title ?? p.id);
  return { name: path.basename(abs), dir: abs, corpusFile, questions: readJsonl<DatasetQuestion>(path.join(abs, 'questions.jsonl')), titles };
}

/** Where a dataset's corpus is ingested: its own folder, reused across runs. */
export function datasetDataDir(config: Pick<SobreConfig, 'dataDir' | 'embedder'>, dataset: Dataset): string {
  const embedder = config.embedder.replace(/[^\w.-]+/g, '_');
  return path.join(config.dataDir, 'eval', `${dataset.name}-${embedder}`);
}

/** With SOBRE_DATABASE_URL: the dataset's own PostgreSQL schema (its replica is in `datasetDataDir`). */
export function datasetSchema(config: Pick<SobreConfig, 'databaseSchema' | 'embedder'>, dataset: Dataset): string {
  const name = `${config.databaseSchema}_eval_${dataset.name}_${config.embedder}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return name.slice(0, 63);
}

/** The passage id a store source (`<corpus path>#<id>`) refers to. */
export function passageId(source: string): string {
  return source.slice(source.lastIndexOf('#') + 1);
}

/** The document group of a question: the article (title) of its source or first gold passage. */
export function questionGroup(dataset: Dataset, q: DatasetQuestion): string {
  const doc = q.source_doc_id ?? q.gold_doc_ids[0] ?? q.id;
  return dataset.titles.get(doc) ?? doc;
}

/** 70% of groups fit the model, 30% validate it; by hash, so any run gets the same split. */
export function isValidationGroup(group: string): boolean {
  const h = createHash('sha256').update(group).digest();
  return h.readUInt32BE(0) % 100 >= 70;
}
