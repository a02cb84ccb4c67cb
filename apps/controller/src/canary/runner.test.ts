/**
 * The canary runner over fake ports: steps applied in order while gates pass, a failed
 * gate (or nothing measured) reverts to 100 % stable by itself, abort reverts, the
 * timeline says each of these, and a new runner on the same state directory resumes a
 * canary in its hold, holding again without applying its step again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Canary, type CanaryMeasurement, CanaryStartInput, ErrorCode, MeshError } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store.ts';
import type { CanaryClock, CanaryRouteWriter } from './ports.ts';
import { CanaryRunner } from './runner.ts';

class FakeClock implements CanaryClock {
  t = Date.parse('2026-01-01T00:00:00.000Z');
  /** When true, a sleep passes at once (time jumps); else it waits for `release` or abort. */
  auto = true;
  #waiting: (() => void)[] = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.auto) {
      this.t += ms;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  get waiting(): number {
    return this.#waiting.length;
  }
}

class FakeRoutes implements CanaryRouteWriter {
  weights: number[] = [];
  revision = 0;
  refuse: string | undefined;
  resolveRoute() {
    return { route: 'inventory-canary', existed: false };
  }
  setWeight(_c: Canary, weight: number): number {
    if (this.refuse) throw new MeshError(ErrorCode.invalidInput, this.refuse);
    this.weights.push(weight);
    return ++this.revision;
  }
}

const good: CanaryMeasurement = { successRate: 0.99, p99Ms: 40, requests: 100, rps: 10 };
const bad: CanaryMeasurement = { successRate: 0.62, p99Ms: 40, requests: 100, rps: 10 };

function metrics(...answers: CanaryMeasurement[]) {
  const asked: string[] = [];
  return {
    asked,
    async measure(namespace: string, service: string, seconds: number) {
      asked.push(`${namespace}/${service} ${seconds}s`);
      return answers.shift() ?? good;
    },
  };
}

const INPUT = CanaryStartInput.parse({
  namespace: 'demo',
  service: 'inventory',
  port: 8080,
  stable: 'inventory',
  canary: 'inventory-v2',
  steps: [10, 50, 100],
  holdSeconds: 30,
  gates: { minSuccessRate: 0.95, maxP99Ms: 500 },
});

const dirs: string[] = [];
function setup(answers: CanaryMeasurement[] = [], dir = mkdtempSync(join(tmpdir(), 'weft-canary-'))) {
  dirs.push(dir);
  const clock = new FakeClock();
  const routes = new FakeRoutes();
  const m = metrics(...answers);
  let n = 0;
  const runner = new CanaryRunner({
    state: new StateStore(dir),
    clock,
    metrics: m,
    routes,
    newId: () => `c${++n}`,
  });
  return { dir, clock, routes, metrics: m, runner };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const kinds = (c: Canary) => c.events.map((e) => e.kind);

describe('CanaryRunner', () => {
  it('applies every step while the canary passes its gates, then ends succeeded', async () => {
    const { runner, routes, metrics: m, dir } = setup();
    const started = await runner.start(INPUT, 'alice');
    expect(started).toMatchObject({ id: 'c1', phase: 'running', stepIndex: 0, weight: 10, author: 'alice' });
    await runner.settled('c1');
    const done = runner.get('c1');
    expect(done).toMatchObject({ phase: 'succeeded', weight: 100, stepIndex: 2 });
    expect(routes.weights).toEqual([10, 50, 100]);
    expect(m.asked).toEqual(['demo/inventory-v2 30s', 'demo/inventory-v2 30s', 'demo/inventory-v2 30s']);
    expect(kinds(done)).toEqual([
      'started',
      'step',
      'gate-passed',
      'step',
      'gate-passed',
      'step',
      'gate-passed',
      'succeeded',
    ]);
    expect(done.events[2]?.message).toBe(
      'step 1 at 10 %: gate passed: success rate 99.0 %, p99 40 ms, 100 responses',
    );
    // Kept in the state directory.
    const reopened = new CanaryRunner({
      state: new StateStore(dir),
      clock: new FakeClock(),
      metrics: m,
      routes,
    });
    expect(reopened.get('c1').phase).toBe('succeeded');
  });

  it('reverts to 100 % stable by itself when a gate fails, and says why in the timeline', async () => {
    const { runner, routes } = setup([good, bad]);
    await runner.start(INPUT, 'alice');
    await runner.settled('c1');
    const c = runner.get('c1');
    expect(c).toMatchObject({ phase: 'failed', weight: 0 });
    expect(routes.weights).toEqual([10, 50, 0]);
    expect(kinds(c)).toEqual(['started', 'step', 'gate-passed', 'step', 'gate-failed', 'reverted']);
    const failed = c.events[4];
    expect(failed).toMatchObject({ step: 1, weight: 50, measurement: bad });
    expect(failed?.message).toBe('step 2 at 50 %: gate failed: success rate 62.0 % < 95.0 %');
    expect(c.events[5]?.message).toBe('reverted: 100 % to inventory (revision 3)');
  });

  it('fails a step that measured nothing (no traffic is not a pass)', async () => {
    const { runner, routes } = setup([{ successRate: null, p99Ms: null, requests: 0, rps: 0 }]);
    await runner.start(INPUT, 'alice');
    await runner.settled('c1');
    expect(runner.get('c1').events.find((e) => e.kind === 'gate-failed')?.message).toBe(
      'step 1 at 10 %: gate failed: 0 responses < 1 needed; no success rate measured; no p99 measured',
    );
    expect(routes.weights).toEqual([10, 0]);
  });

  it('fails on a slow p99', async () => {
    const { runner } = setup([{ ...good, p99Ms: 900 }]);
    await runner.start(INPUT, 'alice');
    await runner.settled('c1');
    expect(runner.get('c1').events.at(-2)?.message).toBe('step 1 at 10 %: gate failed: p99 900 ms > 500 ms');
  });

  it('abort sends traffic back to stable; a finished canary cannot be aborted', async () => {
    const { runner, routes, clock } = setup();
    clock.auto = false;
    await runner.start(INPUT, 'alice');
    await Promise.resolve();
    const aborted = await runner.abort('c1', 'bob');
    expect(aborted).toMatchObject({ phase: 'aborted', weight: 0 });
    expect(routes.weights).toEqual([10, 0]);
    expect(kinds(aborted)).toEqual(['started', 'step', 'aborted', 'reverted']);
    expect(aborted.events[2]?.message).toBe('aborted by bob');
    await expect(runner.abort('c1', 'bob')).rejects.toMatchObject({ code: ErrorCode.conflict });
    await expect(runner.abort('nope', 'bob')).rejects.toMatchObject({ code: ErrorCode.notFound });
  });

  it('refuses a second canary on the same Service, and keeps nothing when the route is refused', async () => {
    const { runner, routes, clock } = setup();
    clock.auto = false;
    await runner.start(INPUT, 'alice');
    await expect(runner.start(INPUT, 'alice')).rejects.toThrow(
      /canary c1 is already running on demo\/inventory:8080/,
    );
    await runner.abort('c1', 'alice');
    routes.refuse = 'HTTPRoute demo/inventory-canary: spec.rules[0].backendRefs[1].name: BackendNotFound';
    await expect(runner.start(INPUT, 'alice')).rejects.toThrow(/BackendNotFound/);
    expect(runner.list().map((c) => c.id)).toEqual(['c1']);
    await runner.close();
  });

  it('refuses a hold shorter than two metrics scrapes, keeping nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-canary-'));
    dirs.push(dir);
    const routes = new FakeRoutes();
    const runner = new CanaryRunner({
      state: new StateStore(dir),
      clock: new FakeClock(),
      metrics: metrics(),
      routes,
      minHoldSeconds: 10,
    });
    await expect(runner.start({ ...INPUT, holdSeconds: 6 }, 'alice')).rejects.toThrow(
      'holdSeconds: must be at least 10 here (two metrics scrapes), so that each step is measured',
    );
    expect(routes.weights).toEqual([]);
    expect(runner.list()).toEqual([]);
  });

  it('resumes a canary in its hold after a restart, holding its step again without applying it again', async () => {
    const first = setup();
    first.clock.auto = false;
    await first.runner.start(INPUT, 'alice');
    expect(first.clock.waiting).toBe(1);
    await first.runner.close();
    expect(first.runner.get('c1').phase).toBe('running');

    const clock = new FakeClock();
    clock.t = first.clock.t + 10_000; // 10 s of the 30 s hold passed while the controller was down
    const routes = new FakeRoutes();
    routes.revision = 1;
    const m = metrics();
    const second = new CanaryRunner({ state: new StateStore(first.dir), clock, metrics: m, routes });
    second.resume();
    await second.settled('c1');
    const c = second.get('c1');
    expect(c.phase).toBe('succeeded');
    expect(routes.weights).toEqual([50, 100]);
    expect(kinds(c)).toEqual([
      'started',
      'step',
      'resumed',
      'gate-passed',
      'step',
      'gate-passed',
      'step',
      'gate-passed',
      'succeeded',
    ]);
    // The hold starts over at the restart (the metrics of its first 10 s were lost with the controller).
    expect(c.events[2]?.message).toBe('controller restarted: holding step 1 at 10 % again for 30 s');
    expect(Date.parse(c.events[3]?.at ?? '') - Date.parse(c.events[2]?.at ?? '')).toBe(30_000);
  });
});

describe('CanaryStartInput', () => {
  it('names what is wrong', () => {
    const r = CanaryStartInput.safeParse({ ...INPUT, steps: [50, 10], canary: 'inventory', holdSeconds: 1 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort()).toEqual([
      'canary: must differ from stable',
      'holdSeconds: must be at least 5',
      'steps.1: must be more than the step before',
    ]);
  });
});
