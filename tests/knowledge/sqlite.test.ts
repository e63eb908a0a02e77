/** The knowledge contract on SQLite + FTS5 + hnswlib, in a temporary data folder. */
import { openKnowledge } from '../../src/knowledge';
import { makeTempDir, removeDir } from '../helpers/temp';
import { knowledgeContract } from './contract';

const config = (dir: string) => ({ dataDir: dir, hnswM: 16, hnswEfConstruction: 200, hnswEfSearch: 64 });

knowledgeContract('SQLite + FTS5 + hnswlib', {
  location: async () => makeTempDir(),
  open: (dir, embedder) => openKnowledge(config(dir), embedder),
  config,
  dispose: async (dir) => removeDir(dir),
});
