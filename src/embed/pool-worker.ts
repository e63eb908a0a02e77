/** One embedding thread of `EmbedderPool`: loads the configured model, embeds what it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors';
import { createEmbedder } from './index';
import type { FromWorker, PoolConfig, ToWorker } from './pool';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const send = (m: FromWorker) => port.postMessage(m, m.type === 'done' ? [...new Set(m.vectors.map((v) => v.buffer as ArrayBuffer))] : []);
  try {
    const embedder = await createEmbedder(workerData as PoolConfig);
    port.on('message', (m: ToWorker) => {
      embedder.embed(m.texts, m.role).then(
        (vectors) => send({ type: 'done', id: m.id, vectors }),
        (e: unknown) => send({ type: 'failed', id: m.id, message: errorMessage(e) }),
      );
    });
    send({ type: 'ready', id: embedder.id, dimension: embedder.dimension });
  } catch (e) {
    send({ type: 'failed', id: null, message: errorMessage(e) });
  }
}

void main();
