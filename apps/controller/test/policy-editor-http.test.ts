/**
 * The policy editor's reads over real HTTP: a YAML of 50 routes does not fit in a query's
 * URL, so the client sends the query as POST (`methodOverride: 'POST'`); the controller
 * answers it as the same query (a viewer may, nothing is stored), and refuses a viewer's
 * mutation sent the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/router.ts';
import { type ApiServer, startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';

let dir: string;
let api: ApiServer;
let auth: AuthService;
let policy: PolicyService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-editor-http-'));
  const platform = new MemoryPlatform();
  policy = new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) });
  auth = new AuthService({
    stateDir: dir,
    enabled: true,
    workloads: { validate: async () => Promise.reject(new Error('no workload tokens here')) },
  });
  await auth.setUser('vera', 'viewer', 'correct horse');
  const services = {
    platform: platform.asPlatform(),
    startedAt: 0,
    version: 'test',
    policy,
    auth,
  } as unknown as ApiServices;
  api = await startApiServer(services, '127.0.0.1', 0);
});
afterAll(async () => {
  await api?.close();
  policy?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 50 routes on catalog, one per path, each with its own timeout. */
const FIFTY_ROUTES = Array.from(
  { length: 50 },
  (_, i) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: catalog-route-${i}, namespace: demo }
spec:
  parentRefs: [{ group: core, kind: Service, name: catalog, port: 8080 }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /books/section-${i}/ } }]
      timeouts: { request: ${i + 1}s }
      backendRefs: [{ name: catalog, port: 8080 }]
`,
).join('---\n');

async function viewerClient(methodOverride?: 'POST') {
  const login = await fetch(`http://${api.address}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'vera', password: 'correct horse' }),
  });
  const body = (await login.json()) as { result: { data: { session: string } } };
  const token = body.result.data.session;
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `http://${api.address}/trpc`,
        headers: { authorization: `Bearer ${token}` },
        ...(methodOverride ? { methodOverride } : {}),
      }),
    ],
  });
}

it('answers a 50-route describeChange sent as POST, which a URL cannot carry', async () => {
  expect(FIFTY_ROUTES.length).toBeGreaterThan(16 * 1024);
  const asGet = await viewerClient();
  await expect(asGet.policies.describeChange.query({ yaml: FIFTY_ROUTES })).rejects.toThrow();
  const asPost = await viewerClient('POST');
  const d = await asPost.policies.describeChange.query({ yaml: FIFTY_ROUTES });
  expect(d.valid).toBe(true);
  expect(d.sentences.filter((s) => s.text.startsWith('route HTTPRoute demo/catalog-route-'))).toHaveLength(
    50,
  );
  expect(d.sentences).toContainEqual({
    subject: 'demo/catalog:8080',
    kind: 'added',
    text: 'route HTTPRoute demo/catalog-route-7 rule 0 for /books/section-7/, request timeout 8 s',
  });
  const impact = await asPost.policies.trafficImpact.query({ yaml: FIFTY_ROUTES, windowMinutes: 5 });
  expect(impact).toMatchObject({ valid: true, observed: false, edges: [] });
  expect(policy.revision).toBe(0);
  // A mutation stays a mutation: a viewer may not apply, however it is sent.
  await expect(asPost.policies.applyYaml.mutate({ yaml: FIFTY_ROUTES })).rejects.toThrow(
    /needs the admin role/,
  );
  expect(policy.revision).toBe(0);
});
