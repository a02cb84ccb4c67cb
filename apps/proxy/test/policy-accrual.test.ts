// Failure accrual from a (fake) controller's policy, enforced by a real proxy on HTTP/1: an
// endpoint failing N times in a row is ejected for its penalty, probed back, and while every
// endpoint is ejected requests are shed (503 loadshed), with real upstream servers on loopback.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { type Reply, startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
import { ep, FakeController } from './fake-controller.ts';
import { answerWithName, applyHttpPolicy, many, outboundPolicy, waitFor } from './policy-harness.ts';

const fake = new FakeController();
const ups: Upstream[] = [];
let proxy: RunningProxy;
let badFailing = true;
/** When each request reached the `bad` endpoint (epoch ms, the proxy's clock too). */
const badHitTimes: number[] = [];
let bad: Upstream;

const apply = (policy: Parameters<FakeController['setPolicy']>[0]) => applyHttpPolicy(fake, proxy, policy);

async function up(handler: Parameters<typeof startUpstream>[0]): Promise<Upstream> {
  const u = await startUpstream(handler);
  ups.push(u);
  return u;
}

beforeAll(async () => {
  await fake.start();
  bad = await up((_req, res) => {
    badHitTimes.push(Date.now());
    res.statusCode = badFailing ? 500 : 200;
    res.end('bad');
  });
  // slower than the failing endpoint: fast failures attract a latency-aware balancer, which
  // is what failure accrual is for
  const goodHandler = answerWithName('good');
  const good = await up((req, res) => setTimeout(goodHandler, 20, req, res));
  fake.set('pool.test:80', [ep(bad.port, 'pool'), ep(good.port, 'pool')]);
  const broken = await up((_req, res) => {
    res.statusCode = 500;
    res.end('broken');
  });
  fake.set('lonely.test:80', [ep(broken.port, 'lonely')]);
  proxy = await startTestProxy({}, { WEFT_PROXY_CONTROLLER_URL: fake.url });
});

afterAll(async () => {
  await proxy?.drain(500);
  await fake.stop();
  await Promise.all(ups.map((u) => u.close()));
});

describe('failure accrual', () => {
  it('ejects an endpoint after N consecutive failures, then probes it back', async () => {
    const penaltyMs = 2000;
    // while the policy is applied the endpoint answers: the warm-ups leave it no failure
    badFailing = false;
    await apply(
      outboundPolicy('pool.test:80', [{}], 7, {
        failureAccrual: {
          consecutiveFailures: 3,
          minPenaltyMs: penaltyMs,
          maxPenaltyMs: 4000,
          jitterRatio: 0,
        },
      }),
    );
    badFailing = true;
    const before = bad.hits;
    // until the bad endpoint has failed 3 times in a row it still gets picked. A slow first
    // answer (a cold proxy, a busy machine) raises its latency estimate above the good
    // endpoint's for a few seconds (peak-EWMA decays over 10 s), so this waits that long.
    let lastSentAt = 0;
    const giveUpAt = Date.now() + 15_000;
    while (Date.now() < giveUpAt && bad.hits - before < 3) {
      lastSentAt = Date.now();
      await viaProxy(proxy, 'http://pool.test/');
    }
    expect(bad.hits - before).toBe(3);
    const ejectedAt = bad.hits;
    // The proxy saw the third failure after that request was sent: its penalty runs at
    // least until `penaltyEnd`. What is answered before then was picked during the penalty.
    const penaltyEnd = lastSentAt + penaltyMs;
    const during: Reply[] = [];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let sent = 0;
    const send = async () => {
      while (sent < 40 && Date.now() < penaltyEnd - 200) {
        sent++;
        const r = await viaProxy(proxy, 'http://pool.test/', { agent });
        if (Date.now() < penaltyEnd) during.push(r);
      }
    };
    await Promise.all([send(), send(), send(), send()]);
    agent.destroy();
    expect(during.length).toBeGreaterThanOrEqual(20);
    expect(during.every((r) => r.status === 200 && r.body === 'good')).toBe(true);
    expect(badHitTimes.slice(ejectedAt).every((t) => t >= penaltyEnd)).toBe(true);
    // the endpoint recovers: once the penalty is over a probe reaches it, and succeeds
    badFailing = false;
    const probing: Reply[] = [];
    const probed = bad.hits;
    await waitFor(
      async () => {
        probing.push(await viaProxy(proxy, 'http://pool.test/'));
        return bad.hits > probed;
      },
      10_000,
      'a probe of the ejected endpoint',
    );
    expect(probing.every((r) => r.status === 200)).toBe(true);
    const back = bad.hits;
    const after = await many(proxy, 60, () => 'http://pool.test/', undefined, 4);
    expect(after.every((r) => r.status === 200)).toBe(true);
    // the probe succeeded and the endpoint takes traffic again
    expect(bad.hits - back).toBeGreaterThan(3);
  });
});

describe('load shedding', () => {
  it('answers 503 loadshed without calling the endpoint while every endpoint is ejected', async () => {
    await apply(
      outboundPolicy('lonely.test:80', [{}], 8, {
        failureAccrual: { consecutiveFailures: 2, minPenaltyMs: 5000, maxPenaltyMs: 10000, jitterRatio: 0 },
      }),
    );
    const replies = await many(proxy, 10, () => 'http://lonely.test/', undefined, 1);
    // at most two failures reach the endpoint (the warm-up may be the first); then it is ejected
    const reached = replies.filter((r) => r.status === 500).length;
    expect(reached).toBeLessThanOrEqual(2);
    expect(replies.slice(0, reached).every((r) => r.status === 500)).toBe(true);
    const shed = replies.slice(reached);
    expect(shed.length).toBeGreaterThanOrEqual(8);
    expect(shed.every((r) => r.status === 503 && r.headers['weft-proxy-error'] === 'loadshed')).toBe(true);
  });
});
