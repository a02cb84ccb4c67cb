// The policy editor's procedures and the canary runner through the real router (inputs
// and outputs checked by their schemas): a viewer reads a change in words and its dry run
// against the metrics service's real topology (catalog → inventory named as denied, with
// its rate), a YAML that does not parse is refused as applyYaml refuses it, and an admin
// starts, reads and aborts a canary whose steps are policy revisions.
import { rmSync } from 'node:fs';
import { meshIdentity, type Pod } from '@weft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { createCaller } from '../src/api/router.ts';
import { type ApiServices, createContext } from '../src/api/trpc.ts';
import { IN_PROCESS_ADMIN } from '../src/auth/caller.ts';
import { policyRouteWriter } from '../src/canary/adapters.ts';
import { CanaryRunner } from '../src/canary/runner.ts';
import { parseExposition } from '../src/metrics/exposition.ts';
import { MetricsService } from '../src/metrics/service.ts';
import { INGESTED_NAMES } from '../src/metrics/store.ts';
import { exposition, type FakeCounters } from '../src/metrics/test-util.ts';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';

const pod = (name: string, ip: string): Pod =>
  ({
    namespace: 'demo',
    name: `${name}-1`,
    workload: name,
    ip,
    phase: 'Running',
    ready: true,
    meshed: true,
    restarts: 0,
    lastExit: null,
  }) as Pod;

const DENY_INVENTORY = `
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: inventory-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: inventory } }
  port: http
`;

describe('the policy editor and canaries through the router', () => {
  const dir = tempStateDir();
  const platform = new MemoryPlatform();
  platform.pods = [pod('catalog', '127.10.0.2'), pod('inventory', '127.10.0.3')];
  const state = new StateStore(dir);
  const policy = new PolicyService({ platform: platform.asPlatform(), state });
  const metrics = new MetricsService(platform.asPlatform(), {
    scrapeIntervalMs: 5000,
    scrapeTimeoutMs: 1000,
    retentionMs: 3_600_000,
    maxRingBytes: 16 * 1024 * 1024,
  });
  let ids = 0;
  // The clock never moves on its own: a canary stays in its first hold until aborted.
  const canaries = new CanaryRunner({
    state,
    clock: {
      now: () => Date.now(),
      sleep: (_ms, signal) => new Promise((r) => signal.addEventListener('abort', () => r(), { once: true })),
    },
    metrics: {
      measure: async () => ({ successRate: 1, p99Ms: 1, requests: 1, rps: 1 }),
    },
    routes: policyRouteWriter(policy, platform.asPlatform()),
    newId: () => `k${++ids}`,
  });
  afterAll(async () => {
    await canaries.close();
    policy.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const services = {
    platform: platform.asPlatform(),
    startedAt: 0,
    version: 'test',
    metrics,
    policy,
    canaries,
  } as unknown as ApiServices;
  const viewer = createCaller(createContext(services, { kind: 'user', name: 'vera', role: 'viewer' }));
  const admin = createCaller(createContext(services, IN_PROCESS_ADMIN));

  it('names catalog → inventory, with its rate, in the dry run of a deny policy', async () => {
    // inventory's proxy counted 30 requests from catalog over mTLS in the last 5 s.
    const counters = (n: number): FakeCounters[] => [
      {
        labels: { direction: 'inbound', tls: 'true', client_id: meshIdentity('catalog', 'demo') },
        success: n,
        failure: 0,
        latenciesMs: [],
      },
    ];
    for (const [tick, n] of [
      [Date.now() - 5000, 0],
      [Date.now(), 30],
    ] as const) {
      const t = metrics.store.beginTick(tick);
      metrics.store.ingest(
        'demo/inventory',
        { namespace: 'demo', workload: 'inventory', pod: 'inventory-1' },
        t,
        parseExposition(exposition(counters(n)), (x) => INGESTED_NAMES.has(x)),
      );
    }
    const impact = await viewer.policies.trafficImpact({ yaml: DENY_INVENTORY, windowMinutes: 1 });
    expect(impact).toMatchObject({ valid: true, observed: true, windowMinutes: 1 });
    expect(impact.changed).toHaveLength(1);
    expect(impact.changed[0]).toMatchObject({
      source: { namespace: 'demo', name: 'catalog', meshed: true },
      destination: { namespace: 'demo', name: 'inventory' },
      port: 8080,
      before: 'allow',
      after: 'deny',
    });
    expect(impact.changed[0]?.rps).toBeGreaterThan(0);

    const words = await viewer.policies.describeChange({ yaml: DENY_INVENTORY });
    expect(words.sentences.map((s) => `${s.subject}: ${s.text}`)).toContain(
      'demo/catalog → demo/inventory: becomes denied on port 8080',
    );
    expect(policy.revision).toBe(0);
  });

  it('refuses a YAML that does not parse as applyYaml does, naming the field', async () => {
    const bad = DENY_INVENTORY.replace('port: http', 'port: [1]');
    const refusal = async (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: Error) => e.message,
      );
    const applied = await refusal(admin.policies.applyYaml({ yaml: bad, dryRun: true }));
    expect(applied).toMatch(/Server demo\/inventory-http: spec.port/);
    expect(await refusal(viewer.policies.describeChange({ yaml: bad }))).toBe(applied);
    expect(await refusal(viewer.policies.trafficImpact({ yaml: bad, windowMinutes: 5 }))).toBe(applied);
    expect(await refusal(viewer.policies.trafficImpact({ yaml: DENY_INVENTORY, windowMinutes: 61 }))).toBe(
      'invalid input: windowMinutes: must be at most 60',
    );
  });

  it('starts, lists, reads and aborts a canary; its steps are revisions with their words', async () => {
    const started = await admin.canaries.start({
      namespace: 'demo',
      service: 'inventory',
      port: 8080,
      stable: 'inventory',
      canary: 'inventory-v2',
      steps: [10, 100],
      holdSeconds: 30,
      gates: { minSuccessRate: 0.95, maxP99Ms: 300 },
    });
    expect(started).toMatchObject({ id: 'k1', phase: 'running', weight: 10, route: 'inventory-canary' });
    expect((await viewer.canaries.list({ namespace: 'demo' })).map((c) => c.id)).toEqual(['k1']);
    await expect(viewer.canaries.abort({ id: 'k1' })).rejects.toThrow(/needs the admin role/);
    const aborted = await admin.canaries.abort({ id: 'k1' });
    expect(aborted.phase).toBe('aborted');
    expect((await viewer.canaries.get({ id: 'k1' })).events.map((e) => e.kind)).toEqual([
      'started',
      'step',
      'aborted',
      'reverted',
    ]);
    const revisions = await viewer.policies.revisions();
    expect(revisions.map((r) => r.author)).toEqual(['canary:k1', 'canary:k1']);
    const last = await viewer.policies.describeRevision({ revision: revisions[0]?.revision ?? 0 });
    expect(last.sentences[0]).toEqual({
      subject: 'demo/inventory:8080',
      kind: 'changed',
      text: 'split 90/10 → 100/0 to inventory-v2',
    });
    await expect(viewer.canaries.get({ id: 'nope' })).rejects.toThrow('canary nope not found');
  });

  it('records who applied and who rolled back: the user by name, a script as admin-token', async () => {
    const ada = createCaller(createContext(services, { kind: 'user', name: 'ada', role: 'admin' }));
    const applied = await ada.policies.applyYaml({ yaml: DENY_INVENTORY, dryRun: false });
    await admin.policies.rollback({ revision: applied.revision - 1 });
    const [rollback, apply] = await viewer.policies.revisions();
    expect(apply).toMatchObject({ revision: applied.revision, author: 'ada', action: 'apply' });
    expect(rollback).toMatchObject({ author: 'admin-token', action: 'rollback' });
  });

  it('watch sends a canary, then again on every change, and ends once the canary has ended', async () => {
    const started = await admin.canaries.start({
      namespace: 'demo',
      service: 'inventory',
      port: 8080,
      stable: 'inventory',
      canary: 'inventory-v2',
      steps: [20, 100],
      holdSeconds: 30,
      gates: { minSuccessRate: 0.95, maxP99Ms: 300 },
    });
    const seen: string[] = [];
    const stream = await viewer.canaries.watch({ id: started.id });
    const reading = (async () => {
      // In process, each event is tRPC's tracked tuple: [id, canary].
      for await (const [, c] of stream as AsyncIterable<[string, { phase: string; weight: number }]>) {
        seen.push(`${c.phase} ${c.weight}`);
        if (seen.length === 1) await admin.canaries.abort({ id: started.id });
      }
    })();
    await Promise.race([
      reading,
      new Promise((_, reject) => setTimeout(() => reject(new Error('stream did not end')), 5000)),
    ]);
    expect(seen).toEqual(['running 20', 'aborted 0']);
    await expect(
      (async () => {
        for await (const _ of (await viewer.canaries.watch({ id: 'nope' })) as AsyncIterable<unknown>) break;
      })(),
    ).rejects.toThrow('canary nope not found');
  });
});
