// The controller state the replicas share through the cluster (weft-state-* ConfigMaps),
// against the fake API server: only the Lease holder writes, the other replica is told
// and reads what it wrote, a replica is not told of its own writes, a document too big
// for a ConfigMap is not written, and a damaged one is refused naming it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClusterState, MAX_DOCUMENT_BYTES } from '../src/platform/kubernetes/cluster-state.ts';
import { waitFor } from './demo-harness.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

const Doc = z.object({ step: z.number() });
let server: FakeApiServer;
let leader: ClusterState;
let follower: ClusterState;
const logs: string[] = [];
const told = { leader: 0, follower: 0 };

const stored = (key: string) =>
  (
    server.store.get('v1/configmaps', 'weft', `weft-state-${key}`)?.data as Record<string, string> | undefined
  )?.['state.json'];

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'weft' } });
  leader = new ClusterState(fakeKubeConfig(url), {
    namespace: 'weft',
    leading: () => true,
    log: (m) => logs.push(m),
  });
  follower = new ClusterState(fakeKubeConfig(url), {
    namespace: 'weft',
    leading: () => false,
    log: (m) => logs.push(m),
  });
  leader.onChange('canaries', () => told.leader++);
  follower.onChange('canaries', () => told.follower++);
  await leader.start();
  await follower.start();
});

afterAll(async () => {
  await leader?.stop();
  await follower?.stop();
  await server?.close();
});

describe('state shared through the cluster', () => {
  it('is written by the Lease holder and read by the other replica, which is told; the holder hears no echo', async () => {
    leader.save('canaries', { step: 1 });
    await waitFor('the ConfigMap', () => stored('canaries') === '{"step":1}', 10_000);
    await waitFor('the follower to be told', () => told.follower === 1, 10_000);
    expect(follower.load('canaries', Doc)).toEqual({ step: 1 });
    leader.save('canaries', { step: 2 });
    leader.save('canaries', { step: 3 });
    await waitFor('the latest value', () => stored('canaries') === '{"step":3}', 10_000);
    await waitFor('the follower to read it', () => follower.load('canaries', Doc)?.step === 3, 10_000);
    expect(told.leader).toBe(0);
    const cm = server.store.get('v1/configmaps', 'weft', 'weft-state-canaries');
    expect(cm?.metadata.labels).toEqual({ 'weft.dev/state': 'canaries' });
  });

  it('is not written by a replica that does not hold the Lease', async () => {
    follower.save('canaries', { step: 99 });
    await new Promise((r) => setTimeout(r, 500));
    expect(stored('canaries')).toBe('{"step":3}');
    expect(follower.load('canaries', Doc)).toEqual({ step: 3 });
  });

  it('refuses to write a document too big for a ConfigMap, saying so', async () => {
    leader.save('policies', { step: 1, padding: 'x'.repeat(MAX_DOCUMENT_BYTES) });
    await new Promise((r) => setTimeout(r, 300));
    expect(stored('policies')).toBeUndefined();
    expect(
      logs.some((l) => /state "policies" not written to the cluster: \d+ bytes, over 921600/.test(l)),
    ).toBe(true);
  });

  it('refuses a damaged document, naming its ConfigMap', async () => {
    await server.create('v1', 'ConfigMap', 'weft', {
      metadata: { name: 'weft-state-broken', labels: { 'weft.dev/state': 'broken' } },
      data: { 'state.json': '{"step":' },
    });
    await waitFor(
      'the follower to see it',
      () => {
        try {
          follower.load('broken', Doc);
          return false;
        } catch (err) {
          return (err as Error).message;
        }
      },
      10_000,
    ).then((message) => expect(message).toMatch(/weft\/weft-state-broken is not valid JSON/));
  });
});
