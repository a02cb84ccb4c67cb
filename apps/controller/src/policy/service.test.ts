/**
 * The policy service and its store: revisions survive a reopen and a crash mid-write,
 * apply is all or nothing, dry runs change nothing, delete and rollback are revisions,
 * and watch streams send every revision.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOW_ALL_AUTHZ, ErrorCode, MeshError, type PolicyUpdate } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store.ts';
import { PolicyService } from './service.ts';
import { MemoryPlatform, tempStateDir } from './test-util.ts';

const SPLIT = (v1: number, v2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: split, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs: [{ name: inventory, port: 8080, weight: ${v1} }, { name: inventory-v2, port: 8080, weight: ${v2} }]
`;
const RETRIES = `
apiVersion: v1
kind: Service
metadata:
  name: catalog
  namespace: demo
  annotations: { retry.weft.dev/http: 5xx }
`;

const dirs: string[] = [];
function open(dir = tempStateDir(), platform = new MemoryPlatform()) {
  dirs.push(dir);
  return {
    dir,
    platform,
    policy: new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) }),
  };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function refusal(fn: () => unknown): MeshError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeshError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('PolicyService', () => {
  it('stores each apply as a revision that survives a reopen, with time, author and documents', () => {
    const { dir, policy } = open();
    const first = policy.apply(SPLIT(90, 10), { author: 'alice' });
    expect(first).toMatchObject({ revision: 1, dryRun: false, valid: true, errors: [] });
    expect(first.diff).toEqual([
      {
        ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'demo', name: 'split' },
        change: 'added',
        fields: [],
      },
    ]);
    expect(first.statuses[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual([
      'Accepted=True',
      'ResolvedRefs=True',
    ]);
    policy.apply(RETRIES);
    policy.close();

    const again = open(dir).policy;
    expect(again.revision).toBe(2);
    expect(again.revisions().map((r) => [r.revision, r.author, r.action, r.summary, r.documents])).toEqual([
      [2, 'local', 'apply', 'apply Service demo/catalog', 2],
      [1, 'alice', 'apply', 'apply HTTPRoute demo/split', 1],
    ]);
    expect(Date.parse(again.revisions()[0]?.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(again.list('demo').map((i) => i.document.metadata.name)).toEqual(['split', 'catalog']);
    expect(
      again.outbound('inventory.demo.svc.cluster.local:8080').routes[0]?.backends.map((b) => b.weight),
    ).toEqual([90, 10]);
    again.close();
  });

  it('keeps the last revision when a crash interrupts a write (a torn temporary file is ignored)', () => {
    const { dir, policy } = open();
    policy.apply(SPLIT(90, 10));
    policy.close();
    // What a crash between writing the temporary file and renaming it leaves behind.
    writeFileSync(join(dir, `policies.json.${process.pid + 1}.tmp`), '{"revisions": [{"revision": 2, "torn');
    const again = open(dir).policy;
    expect(again.revision).toBe(1);
    expect(again.outbound('inventory.demo:8080').routes[0]?.backends.map((b) => b.weight)).toEqual([90, 10]);
    expect(JSON.parse(readFileSync(join(dir, 'policies.json'), 'utf8')).revisions).toHaveLength(1);
    again.close();
  });

  it('refuses a bad apply with an error naming the field, and changes nothing', () => {
    const { dir, policy } = open();
    policy.apply(SPLIT(90, 10));
    const before = readFileSync(join(dir, 'policies.json'), 'utf8');
    const err = refusal(() =>
      policy.apply(
        `${RETRIES}---${SPLIT(0, 0).replace('inventory-v2, port: 8080', 'inventory-v2, port: 9090')}`,
      ),
    );
    expect(err.code).toBe(ErrorCode.invalidInput);
    expect(err.message).toContain(
      'HTTPRoute demo/split: spec.rules[0].backendRefs[1].port: Service demo/inventory-v2 has no port 9090',
    );
    expect(err.message).toContain(
      'HTTPRoute demo/split: spec.rules[0].backendRefs: every backendRef has weight 0',
    );
    expect(policy.revision).toBe(1);
    expect(policy.list().map((i) => i.document.kind)).toEqual(['HTTPRoute']);
    expect(readFileSync(join(dir, 'policies.json'), 'utf8')).toBe(before);
    policy.close();
  });

  it('answers a dry run with the would-be revision, statuses and a field diff, and stores nothing', () => {
    const { dir, policy } = open();
    policy.apply(SPLIT(90, 10));
    const files = readdirSync(dir);
    const before = readFileSync(join(dir, 'policies.json'), 'utf8');
    const dry = policy.apply(SPLIT(50, 50), { dryRun: true });
    expect(dry).toMatchObject({ revision: 2, dryRun: true, valid: true, errors: [] });
    expect(dry.diff).toEqual([
      {
        ref: { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'demo', name: 'split' },
        change: 'changed',
        fields: ['spec.rules[0].backendRefs[0].weight', 'spec.rules[0].backendRefs[1].weight'],
      },
    ]);
    const bad = policy.apply(SPLIT(0, 0), { dryRun: true });
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e) => `${e.path}: ${e.reason}`)).toEqual([
      'spec.rules[0].backendRefs: UnsupportedValue',
    ]);
    expect(bad.statuses[0]?.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'False',
      reason: 'UnsupportedValue',
    });
    expect(policy.revision).toBe(1);
    expect(readdirSync(dir)).toEqual(files);
    expect(readFileSync(join(dir, 'policies.json'), 'utf8')).toBe(before);
    policy.close();
  });

  it('deletes and rolls back as new revisions', () => {
    const { policy } = open();
    policy.apply(SPLIT(90, 10));
    policy.apply(SPLIT(50, 50));
    const deleted = policy.delete({ kind: 'HTTPRoute', namespace: 'demo', name: 'split' });
    expect(deleted.revision).toBe(3);
    expect(deleted.diff.map((d) => d.change)).toEqual(['removed']);
    expect(policy.outbound('inventory.demo:8080').routes).toEqual([]);
    expect(refusal(() => policy.delete({ kind: 'HTTPRoute', namespace: 'demo', name: 'split' })).code).toBe(
      ErrorCode.notFound,
    );

    const back = policy.rollback(1);
    expect(back.revision).toBe(4);
    expect(back.diff.map((d) => d.change)).toEqual(['added']);
    expect(policy.outbound('inventory.demo:8080').routes[0]?.backends.map((b) => b.weight)).toEqual([90, 10]);
    expect(policy.revisions()[0]).toMatchObject({
      revision: 4,
      action: 'rollback',
      summary: 'rollback to 1',
    });
    expect(policy.revisionDetail(2).items[0]).toMatchObject({ kind: 'HTTPRoute' });
    expect(refusal(() => policy.rollback(9)).code).toBe(ErrorCode.notFound);
    policy.close();
  });

  it('refuses a change that breaks another document (deleting the route a fault targets)', () => {
    const { policy } = open();
    policy.apply(`${SPLIT(90, 10)}---
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPFault
metadata: { name: chaos, namespace: demo }
spec:
  targetRef: { kind: HTTPRoute, name: split }
  delay: { percentage: 100, fixedDelay: 100ms }
`);
    const err = refusal(() => policy.delete({ kind: 'HTTPRoute', namespace: 'demo', name: 'split' }));
    expect(err.message).toBe(
      'HTTPFault demo/chaos: spec.targetRef.name: HTTPRoute demo/split does not exist',
    );
    expect(policy.revision).toBe(1);
    policy.close();
  });

  it('streams the current policy, then every revision even when its content for that stream is unchanged', async () => {
    const { policy, platform } = open();
    const abort = new AbortController();
    const seen: PolicyUpdate[] = [];
    const stream = policy.watch({ authority: '127.20.0.3:8080' }, abort.signal);
    const next = async () => {
      const r = await stream.next();
      if (r.value) seen.push(r.value);
      return r.value;
    };
    expect(await next()).toMatchObject({
      kind: 'outbound',
      policy: { revision: 0, authority: '127.20.0.3:8080', routes: [] },
    });
    const pending = next();
    policy.apply(SPLIT(90, 10));
    expect((await pending)?.policy).toMatchObject({
      revision: 1,
      service: { name: 'inventory', port: 8080 },
    });
    const unrelated = next();
    policy.apply(RETRIES);
    expect((await unrelated)?.policy.revision).toBe(2);
    // A Service change that leaves this stream's policy as it was sends nothing new.
    platform.setServices([...platform.services]);
    const afterChange = next();
    policy.apply(SPLIT(50, 50));
    expect((await afterChange)?.policy.revision).toBe(3);
    expect(seen.map((u) => u.policy.revision)).toEqual([0, 1, 2, 3]);
    const inbound = policy.watch(
      { workload: { namespace: 'demo', name: 'inventory' }, port: 8080 },
      abort.signal,
    );
    expect((await inbound.next()).value).toEqual({
      kind: 'inbound',
      policy: {
        revision: 3,
        workload: { namespace: 'demo', name: 'inventory' },
        port: 8080,
        rateLimit: null,
        authz: ALLOW_ALL_AUTHZ,
      },
    });
    abort.abort();
    expect((await stream.next()).done).toBe(true);
    expect((await inbound.next()).done).toBe(true);
    policy.close();
  });
});
