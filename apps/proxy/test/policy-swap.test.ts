// Policy revisions applied while traffic flows: a swap during a 500 requests/s load drops
// no request, `weft_policy_revision` is left out while a new authority's stream has had
// no update yet (it runs the defaults: `weft_policy_streams_waiting` counts it), and with
// the controller gone the last policy stays enforced.
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { type Reply, sleep, startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
import { ep, FakeController } from './fake-controller.ts';
import { backend, outboundPolicy, policyRevision, policyStreamsWaiting, waitFor } from './policy-harness.ts';

const fake = new FakeController();
let v1: Upstream;
let v2: Upstream;
let proxy: RunningProxy;

beforeAll(async () => {
  await fake.start();
  v1 = await startUpstream((_req, res) => res.end('v1'));
  v2 = await startUpstream((_req, res) => res.end('v2'));
  fake.set('web.test:80', [ep(v1.port, 'web')]);
  fake.set('web-v2.test:80', [ep(v2.port, 'web-v2')]);
  proxy = await startTestProxy(
    {},
    { WEFT_PROXY_CONTROLLER_URL: fake.url },
    { backoffMinMs: 50, backoffMaxMs: 200 },
  );
});

afterAll(async () => {
  await proxy?.drain(500);
  await fake.stop();
  await v1?.close();
  await v2?.close();
});

/** The split of revision `n`: odd revisions send everything to v1, even ones 50/50. */
function revision(n: number) {
  const split =
    n % 2 === 1 ? [backend('web.test:80', 1)] : [backend('web.test:80', 1), backend('web-v2.test:80', 1)];
  return outboundPolicy('web.test:80', [{ backends: split }], n);
}

it('drops no request while revisions are applied during a 500 requests/s load', async () => {
  fake.setPolicy(revision(1));
  await viaProxy(proxy, 'http://web.test/');
  await waitFor(async () => (await policyRevision(proxy)) === 1, 5000, 'revision 1');

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const pending: Promise<Reply>[] = [];
  const durationMs = 2000;
  const start = performance.now();
  let rev = 1;
  let nextSwap = start + 200;
  // open loop at 500 requests/s, whatever the answers do: each turn sends what is due by now
  const total = 1000;
  while (pending.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / durationMs) * total) + 1);
    while (pending.length < due) {
      pending.push(
        viaProxy(proxy, 'http://web.test/load', { agent }).catch(() => ({
          status: 0,
          headers: {},
          body: '',
        })),
      );
    }
    if (performance.now() >= nextSwap) {
      fake.setPolicy(revision(++rev));
      nextSwap += 200;
    }
    await sleep(5);
  }
  const replies = await Promise.all(pending);
  agent.destroy();
  expect(rev).toBeGreaterThanOrEqual(5);
  expect(replies.length).toBe(1000);
  expect(replies.filter((r) => r.status !== 200)).toEqual([]);
  // both kinds of revision were enforced along the way
  expect(replies.some((r) => r.body === 'v2')).toBe(true);
  await waitFor(async () => (await policyRevision(proxy)) === rev, 5000, 'the last revision');
});

it('leaves the revision out while a new authority has had no policy yet, and reports it once it has', async () => {
  await waitFor(async () => (await policyRevision(proxy)) === fake.revision, 5000, 'the current revision');
  expect(await policyStreamsWaiting(proxy)).toBe(0);
  // A first request to another authority opens its stream; the controller sends nothing yet.
  fake.set('fresh.test:80', [ep(v2.port, 'fresh')]);
  fake.withheld.add('fresh.test:80');
  expect((await viaProxy(proxy, 'http://fresh.test/')).body).toBe('v2');
  await waitFor(() => fake.policyWatches.has('fresh.test:80'), 5000, 'the stream of fresh.test:80');
  await waitFor(async () => (await policyStreamsWaiting(proxy)) === 1, 5000, 'one stream waiting');
  expect(await policyRevision(proxy)).toBeUndefined();

  const next = fake.revision + 1;
  fake.setPolicy(outboundPolicy('fresh.test:80', [{ backends: [backend('fresh.test:80', 1)] }], next));
  await waitFor(async () => (await policyRevision(proxy)) === next, 5000, `revision ${next}`);
  expect(await policyStreamsWaiting(proxy)).toBe(0);
});

it('keeps enforcing the last policy while the controller is away', async () => {
  fake.setPolicy(
    outboundPolicy(
      'web.test:80',
      [
        {
          matches: [{ headers: [{ name: 'x-canary', type: 'Exact', value: 'yes' }], queryParams: [] }],
          backends: [backend('web-v2.test:80', 1)],
        },
        { backends: [backend('web.test:80', 1)] },
      ],
      100,
    ),
  );
  await waitFor(async () => (await policyRevision(proxy)) === 100, 5000, 'revision 100');
  await fake.stop();
  await sleep(300); // the streams notice and start reconnecting
  for (let i = 0; i < 10; i++) {
    expect((await viaProxy(proxy, 'http://web.test/', { headers: { 'x-canary': 'yes' } })).body).toBe('v2');
    expect((await viaProxy(proxy, 'http://web.test/')).body).toBe('v1');
  }
  expect(await policyRevision(proxy)).toBe(100);
});
