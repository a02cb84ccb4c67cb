/**
 * `policies.*` and `policy.watch` over HTTP as the dashboard, scripts and proxies call
 * them: a bad document is answered 400 naming the field and changes nothing; a proxy's
 * SSE stream (the `eventsource` package with tRPC's subscription link) gets the current
 * policy, then the new one after an apply, with its revision.
 */
import { rmSync } from 'node:fs';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { PolicyUpdate } from '@weft/shared';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import { type ApiServer, startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import { HmacTokens } from '../src/identity/token.ts';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';

const SPLIT = (v1: number, v2: number, port = 8080) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: split, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs:
        - { name: inventory, port: 8080, weight: ${v1} }
        - { name: inventory-v2, port: ${port}, weight: ${v2} }
`;

let dir: string;
let policy: PolicyService;
let api: ApiServer;
let client: ReturnType<typeof createTRPCClient<AppRouter>>;

beforeAll(async () => {
  dir = tempStateDir();
  const platform = new MemoryPlatform();
  policy = new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) });
  // The policy procedures use only `policy` (and auth); the other services are not reached.
  // Auth is off here: who may call what is tested in api-auth.test.ts and procedure-access.test.ts.
  const auth = new AuthService({
    stateDir: dir,
    enabled: false,
    workloads: new HmacTokens(HmacTokens.newSecret()),
  });
  const services = { startedAt: Date.now(), version: 'test', policy, auth } as unknown as ApiServices;
  api = await startApiServer(services, '127.0.0.1', 0);
  const url = `http://${api.address}/trpc`;
  client = createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({ url, EventSource }),
        false: httpLink({ url }),
      }),
    ],
  });
});
afterAll(async () => {
  await api?.close();
  policy?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown) {
  const res = await fetch(`http://${api.address}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { message: string; data: { meshCode?: string } } },
  };
}

describe('policies API over HTTP', () => {
  it('answers 400 naming the document and field of a bad document, and the store is unchanged', async () => {
    const ok = await client.policies.applyYaml.mutate({ yaml: SPLIT(90, 10) });
    expect(ok.revision).toBe(1);
    const bad = await post('policies.applyYaml', { yaml: SPLIT(50, 50, 9090) });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.data.meshCode).toBe('WEFT_INVALID_INPUT');
    expect(bad.body.error?.message).toBe(
      'HTTPRoute demo/split: spec.rules[0].backendRefs[1].port: Service demo/inventory-v2 has no port 9090 (it has 8080)',
    );
    const list = await client.policies.list.query({ namespace: 'demo' });
    expect(
      list.map(
        (i) =>
          i.document.kind === 'HTTPRoute' && i.document.spec.rules?.[0]?.backendRefs?.map((b) => b.weight),
      ),
    ).toEqual([[90, 10]]);
    expect((await client.policies.revisions.query()).map((r) => r.revision)).toEqual([1]);
    const missing = await post('policies.applyYaml', { dryRun: true });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.message).toMatch(/yaml/);
  });

  it('answers get, revision, rollback and delete, and 404 for what does not exist', async () => {
    const item = await client.policies.get.query({ kind: 'HTTPRoute', namespace: 'demo', name: 'split' });
    expect(item.status.conditions.map((c) => c.status)).toEqual(['True', 'True']);
    const err = await client.policies.get
      .query({ kind: 'HTTPRoute', namespace: 'demo', name: 'nope' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TRPCClientError);
    expect((err as TRPCClientError<AppRouter>).data?.httpStatus).toBe(404);
    expect((await client.policies.revision.query({ revision: 1 })).items).toHaveLength(1);
    const gone = await client.policies.rollback.mutate({ revision: 42 }).catch((e) => e);
    expect((gone as TRPCClientError<AppRouter>).data?.httpStatus).toBe(404);
  });

  it('streams the current policy over SSE, then the new one after an apply, with the revision', async () => {
    const updates: PolicyUpdate[] = [];
    let wake: () => void = () => {};
    const sub = client.policy.watch.subscribe(
      { authority: 'inventory.demo.svc.cluster.local:8080' },
      {
        onData: (event) => {
          updates.push(event.data);
          wake();
        },
      },
    );
    const until = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while (updates.length < n && Date.now() < deadline)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 200);
        });
      expect(updates.length).toBeGreaterThanOrEqual(n);
    };
    try {
      await until(1);
      const first = updates[0];
      expect(first?.kind).toBe('outbound');
      const live = (await client.policies.revisions.query())[0]?.revision;
      expect(first?.policy.revision).toBe(live);
      const applied = await client.policies.applyYaml.mutate({ yaml: SPLIT(50, 50) });
      await until(2);
      const second = updates[1];
      expect(second?.policy.revision).toBe(applied.revision);
      expect(
        second?.kind === 'outbound' &&
          second.policy.routes[0]?.backends.map((b) => [b.service.name, b.weight]),
      ).toEqual([
        ['inventory', 50],
        ['inventory-v2', 50],
      ]);
      const propagation = await client.policies.propagation.query({});
      expect(propagation).toMatchObject({
        revision: applied.revision,
        total: 0,
        streams: { open: 1, sent: 1 },
      });
    } finally {
      sub.unsubscribe();
    }
  });
});
