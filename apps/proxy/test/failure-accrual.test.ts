// Failure accrual through the balancer alone, against real upstream servers on loopback:
// an endpoint answering 500s is ejected after N consecutive failures, gets no traffic
// during its penalty, is probed when the penalty is over (a failed probe doubles the
// penalty) and is back in the pool once a probe succeeds.
import http from 'node:http';
import type { Endpoint } from '@weft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { ConcreteService } from '../src/balance/concrete.ts';
import type { EndpointState } from '../src/balance/endpoint.ts';
import type { TargetMetrics } from '../src/metrics/handles.ts';
import { startUpstream, type Upstream } from './core-harness.ts';

const noMetrics: TargetMetrics = {
  http: { request() {}, response() {} },
  tcp: { open() {}, close() {} },
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  agent.destroy();
  for (const c of cleanup.reverse()) await c();
});

/** One GET to an endpoint; resolves with the status. */
function get(e: EndpointState): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: e.address, port: e.port, path: '/', agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/** Picks, sends, and reports load and outcome, as the pipeline does for each attempt. */
async function attempt(c: ConcreteService): Promise<EndpointState | undefined> {
  const e = c.pick();
  if (e === undefined) return undefined;
  const start = e.begin();
  const status = await get(e);
  e.end(start);
  e.recordOutcome(status < 500, Date.now());
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('failure accrual on loopback', () => {
  it('ejects a failing endpoint, probes it back with backoff, and restores it', async () => {
    let badFailing = true;
    const good: Upstream = await startUpstream((_req, res) => res.end('ok'));
    const bad: Upstream = await startUpstream((_req, res) => {
      res.statusCode = badFailing ? 500 : 200;
      res.end();
    });
    cleanup.push(good.close, bad.close);
    const ep = (u: Upstream): Endpoint => ({
      address: '127.0.0.1',
      port: u.port,
      pod: `p${u.port}`,
      workload: 'w',
      namespace: 'n',
      meshed: false,
    });
    const c = new ConcreteService('svc:80', () => noMetrics, {
      ratio: 0.2,
      minPerSecond: 10,
      ttlSeconds: 10,
    });
    c.update([ep(good), ep(bad)]);
    c.setFailureAccrual({ consecutiveFailures: 3, minPenaltyMs: 400, maxPenaltyMs: 5_000, jitterRatio: 0 });
    const badState = c.endpoints.find((e) => e.port === bad.port);
    if (badState === undefined) throw new Error('bad endpoint missing');

    // 1. Until it is ejected, the failing endpoint takes some share; it is out after 3 failures.
    for (let i = 0; i < 500 && !badState.accrual.ejected; i++) await attempt(c);
    expect(badState.accrual.ejected).toBe(true);
    expect(bad.hits).toBe(3);

    // 2. During the penalty every request goes to the healthy endpoint.
    const ejectedUntil = badState.accrual.ejectedUntil;
    let during = 0;
    while (Date.now() < ejectedUntil - 50 && during < 200) {
      const e = await attempt(c);
      if (Date.now() < ejectedUntil) expect(e?.port).toBe(good.port);
      during++;
    }
    expect(during).toBeGreaterThan(0);
    expect(bad.hits).toBe(3);

    // 3. After the penalty one probe reaches it; it fails, and the penalty doubles.
    await sleep(Math.max(0, ejectedUntil - Date.now()) + 10);
    for (let i = 0; i < 500 && bad.hits === 3; i++) await attempt(c);
    expect(bad.hits).toBe(4);
    const probeFailedAt = Date.now();
    expect(badState.accrual.ejected).toBe(true);
    expect(badState.accrual.ejectedUntil - probeFailedAt).toBeGreaterThan(700);
    expect(badState.accrual.ejectedUntil - probeFailedAt).toBeLessThanOrEqual(800);

    // 4. It recovers; the next probe succeeds and it is back in the pool for good.
    badFailing = false;
    await sleep(Math.max(0, badState.accrual.ejectedUntil - Date.now()) + 10);
    for (let i = 0; i < 500 && bad.hits === 4; i++) await attempt(c);
    expect(bad.hits).toBe(5);
    expect(badState.accrual.ejected).toBe(false);
    const before = bad.hits;
    for (let i = 0; i < 200; i++) await attempt(c);
    expect(bad.hits - before).toBeGreaterThan(10);
  });
});
