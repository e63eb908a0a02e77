/**
 * A worker's side of the cluster's write lease, over a stand-in for the IPC channel (the real
 * primary is exercised by tests/server/workers.test.ts): a request given up while it waits is
 * withdrawn, and a granted lease is given back once.
 */
import { EventEmitter } from 'node:events';
import { ClusterClient, type ToPrimary } from '../../src/server/cluster-client';

function channel() {
  const emitter = new EventEmitter();
  const sent: ToPrimary[] = [];
  const send = (m: ToPrimary) => (sent.push(m), true);
  return { sent, emit: (m: unknown) => emitter.emit('message', m), channel: { on: emitter.on.bind(emitter), send } as unknown as ConstructorParameters<typeof ClusterClient>[0] };
}

test('the cluster lease: a waiting request given up is withdrawn; a granted one is given back once', async () => {
  const c = channel();
  const client = new ClusterClient(c.channel);
  const gaveUp = new AbortController();
  const waiting = client.lease(gaveUp.signal);
  expect(c.sent).toEqual([{ sobre: 'lease', id: 1 }]);
  gaveUp.abort();
  await expect(waiting).rejects.toMatchObject({ code: 'cancelled' });
  expect(c.sent.at(-1)).toEqual({ sobre: 'release', id: 1 });
  c.emit({ sobre: 'granted', id: 1 }); // a grant already on its way changes nothing

  const granted = client.lease();
  c.emit({ sobre: 'granted', id: 2 });
  const release = await granted;
  release();
  release();
  expect(c.sent.slice(2)).toEqual([{ sobre: 'lease', id: 2 }, { sobre: 'release', id: 2 }]);
});
