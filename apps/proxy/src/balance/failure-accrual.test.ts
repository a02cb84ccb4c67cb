import type { Endpoint } from '@weft/shared';
import { FailureAccrualPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { TargetMetrics } from '../metrics/handles.ts';
import { ConcreteService } from './concrete.ts';
import { FailureAccrual, FailureAccrualPolicy } from './failure-accrual.ts';

const plan = (p: Partial<FailureAccrualPlan> = {}) => FailureAccrualPlan.parse(p);

describe('FailureAccrualPolicy.penaltyMs', () => {
  it('backs off exponentially from min to max', () => {
    const p = new FailureAccrualPolicy(plan({ minPenaltyMs: 1000, maxPenaltyMs: 10_000, jitterRatio: 0 }));
    expect([0, 1, 2, 3, 4, 5, 60].map((n) => p.penaltyMs(n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it('adds up to jitterRatio of the penalty', () => {
    const high = new FailureAccrualPolicy(plan({ minPenaltyMs: 1000, jitterRatio: 0.5 }), () => 0.999);
    const low = new FailureAccrualPolicy(plan({ minPenaltyMs: 1000, jitterRatio: 0.5 }), () => 0);
    expect(high.penaltyMs(0)).toBeCloseTo(1499.5, 5);
    expect(low.penaltyMs(0)).toBe(1000);
  });
});

describe('FailureAccrual', () => {
  const policy = new FailureAccrualPolicy(
    plan({ consecutiveFailures: 3, minPenaltyMs: 1000, maxPenaltyMs: 4000, jitterRatio: 0 }),
  );

  it('ejects after N consecutive failures, not after N failures with a success between', () => {
    const s = new FailureAccrual();
    s.record(policy, false, 0);
    s.record(policy, false, 0);
    s.record(policy, true, 0);
    s.record(policy, false, 0);
    s.record(policy, false, 0);
    expect(s.pickable(0)).toBe(true);
    const t = 100;
    s.record(policy, false, t);
    expect(s.ejected).toBe(true);
    expect(s.pickable(t)).toBe(false);
    expect(s.pickable(1099)).toBe(false);
    expect(s.pickable(1100)).toBe(true);
  });

  it('lets one probe through after the penalty; success restores the endpoint', () => {
    const s = new FailureAccrual();
    for (let i = 0; i < 3; i++) s.record(policy, false, 0);
    s.picked(policy, 1000); // the probe
    expect(s.probing).toBe(true);
    expect(s.pickable(1001)).toBe(false); // no second request while the probe runs
    s.record(policy, true, 1050);
    expect(s.ejected).toBe(false);
    expect(s.pickable(1050)).toBe(true);
    // it takes N new failures to eject it again
    s.record(policy, false, 1100);
    s.record(policy, false, 1100);
    expect(s.pickable(1100)).toBe(true);
  });

  it('a failed probe ejects again with a longer penalty, up to the max', () => {
    const s = new FailureAccrual();
    for (let i = 0; i < 3; i++) s.record(policy, false, 0);
    let t = 1000;
    const penalties: number[] = [];
    for (let k = 0; k < 4; k++) {
      expect(s.pickable(t)).toBe(true);
      s.picked(policy, t);
      s.record(policy, false, t);
      let back = t + 1;
      while (!s.pickable(back)) back += 1;
      penalties.push(back - t);
      t = back;
    }
    expect(penalties).toEqual([2000, 4000, 4000, 4000]);
  });

  it('ignores failures of requests that started before the ejection', () => {
    const s = new FailureAccrual();
    for (let i = 0; i < 3; i++) s.record(policy, false, 0);
    s.record(policy, false, 500); // a late failure, no probe running
    expect(s.pickable(1000)).toBe(true); // the penalty did not grow
  });

  it('a probe that never reports lets another probe through after a penalty', () => {
    const s = new FailureAccrual();
    for (let i = 0; i < 3; i++) s.record(policy, false, 0);
    s.picked(policy, 1000);
    expect(s.pickable(1999)).toBe(false);
    expect(s.pickable(2000)).toBe(true);
  });
});

const noMetrics: TargetMetrics = {
  http: { request() {}, response() {} },
  tcp: { open() {}, close() {} },
};
const ep = (port: number): Endpoint => ({
  address: '127.0.0.1',
  port,
  pod: `p${port}`,
  workload: 'w',
  namespace: 'n',
  meshed: false,
});

describe('ConcreteService with failure accrual', () => {
  const budget = { ratio: 0.2, minPerSecond: 10, ttlSeconds: 10 };

  it('is off by default: failures eject nothing', () => {
    const c = new ConcreteService('a:1', () => noMetrics, budget);
    c.update([ep(1)]);
    const only = c.endpoints[0];
    for (let i = 0; i < 100; i++) only?.recordOutcome(false, Date.now());
    expect(c.pick()).toBe(only);
  });

  it('never picks an ejected endpoint, and answers undefined when all are ejected', () => {
    const c = new ConcreteService('a:1', () => noMetrics, budget);
    c.update([ep(1), ep(2), ep(3)]);
    c.setFailureAccrual(plan({ consecutiveFailures: 2, minPenaltyMs: 60_000 }));
    const [a, b, d] = c.endpoints;
    if (!a || !b || !d) throw new Error('three endpoints expected');
    const now = Date.now();
    a.recordOutcome(false, now);
    a.recordOutcome(false, now);
    const picks = new Set();
    for (let i = 0; i < 300; i++) picks.add(c.pick());
    expect(picks).toEqual(new Set([b, d]));
    for (const e of [b, d]) {
      e.recordOutcome(false, now);
      e.recordOutcome(false, now);
    }
    expect(c.pick()).toBeUndefined();
  });

  it('keeps state when the same plan arrives again and clears it when accrual is turned off', () => {
    const c = new ConcreteService('a:1', () => noMetrics, budget);
    c.update([ep(1)]);
    const p = plan({ consecutiveFailures: 1, minPenaltyMs: 60_000 });
    c.setFailureAccrual(p);
    c.endpoints[0]?.recordOutcome(false, Date.now());
    expect(c.pick()).toBeUndefined();
    c.setFailureAccrual({ ...p });
    expect(c.pick()).toBeUndefined();
    c.setFailureAccrual(null);
    expect(c.pick()).toBe(c.endpoints[0]);
    // endpoints that join later follow the current plan
    c.setFailureAccrual(p);
    c.update([ep(1), ep(2)]);
    c.endpoints[1]?.recordOutcome(false, Date.now());
    c.endpoints[0]?.recordOutcome(false, Date.now());
    expect(c.pick()).toBeUndefined();
  });
});
