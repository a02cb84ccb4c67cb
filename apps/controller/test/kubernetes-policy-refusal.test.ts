// What a policy change through the API is answered on Kubernetes while the replica cannot
// yet write it to the cluster, against a stand-in API server whose answer to the list of
// HTTPRoutes the test chooses: before the replica's first list (it is starting) and after
// a list that failed for a passing reason, `WEFT_NOT_READY` (try again); when the cluster
// does not serve the kind (404: its CRD is not installed), `WEFT_UNAVAILABLE` naming the
// CRD. Nothing is changed by a refusal, and once the list succeeds the change is taken.

import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyResourceSync } from '../src/platform/kubernetes/policy-resources.ts';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';

const ROUTES = '/apis/gateway.networking.k8s.io/v1/httproutes';
const ROUTE = JSON.stringify({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'split', namespace: 'demo' },
  spec: {
    parentRefs: [{ name: 'inventory', kind: 'Service', port: 8080 }],
    rules: [{ backendRefs: [{ name: 'inventory', port: 8080 }] }],
  },
});

/** How the API server answers the list of HTTPRoutes (every other list is empty). */
let routes: 'fail' | 'not-served' | 'ok' = 'fail';
let routeLists = 0;
const writes: string[] = [];
let server: http.Server;
let sync: PolicyResourceSync;
let policy: PolicyService;
let dir: string;

function answer(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders(); // held open: no events
      return;
    }
    if (req.method !== 'GET') {
      writes.push(`${req.method} ${url.pathname}`); // of accepted changes
      return answer(res, 201, {});
    }
    if (url.pathname === ROUTES) {
      routeLists++;
      if (routes === 'fail') return answer(res, 500, { kind: 'Status', message: 'etcd is slow' });
      if (routes === 'not-served')
        return answer(res, 404, {
          kind: 'Status',
          message: 'the server could not find the requested resource',
        });
    }
    answer(res, 200, { items: [], metadata: { resourceVersion: '1' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  dir = tempStateDir();
  policy = new PolicyService({ platform: new MemoryPlatform().asPlatform(), state: new StateStore(dir) });
  sync = new PolicyResourceSync(fakeKubeConfig(`http://127.0.0.1:${port}`), policy, () => true);
});

afterAll(async () => {
  await sync?.stop();
  policy?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** What applying the route is answered: the error's code and message, or the revision. */
function apply(): { code?: string; message?: string; revision?: number } {
  try {
    return { revision: policy.apply(ROUTE, { author: 'alice' }).revision };
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
}

describe('a policy change the replica cannot write to the cluster yet', () => {
  it('is refused as not ready, to be tried again, before the first list', () => {
    expect(apply()).toEqual({
      code: 'WEFT_NOT_READY',
      message: expect.stringMatching(
        /^HTTPRoute demo\/split: this controller replica has not listed httproutes\.gateway\.networking\.k8s\.io\/v1 from the cluster yet \(it is starting\);.* nothing was changed: try again shortly$/,
      ),
    });
    expect(policy.revision).toBe(0);
  });

  it('is refused as not ready, naming why, after a list that failed for a passing reason', async () => {
    routes = 'fail';
    await sync.start();
    await expect.poll(() => routeLists).toBeGreaterThan(0);
    const refused = apply();
    expect(refused).toMatchObject({ code: 'WEFT_NOT_READY' });
    expect(refused.message).toMatch(/has not listed httproutes.* yet \(its last attempt failed: .*500.*\)/);
    expect(refused.message).not.toMatch(/CRD/);
    expect(policy.revision).toBe(0);
  });

  it('is refused as unavailable, naming the CRD, when the cluster does not serve the kind', async () => {
    routes = 'not-served';
    await expect.poll(apply, { timeout: 10_000 }).toEqual({
      code: 'WEFT_UNAVAILABLE',
      message: expect.stringMatching(
        /the cluster does not serve httproutes\.gateway\.networking\.k8s\.io\/v1 \(is its CRD installed\?\)/,
      ),
    });
    expect(policy.revision).toBe(0);
  });

  it('is taken once the list succeeds', async () => {
    routes = 'ok';
    await expect.poll(apply, { timeout: 10_000 }).toEqual({ revision: 1 });
    // and written to the cluster
    await expect.poll(() => writes.some((w) => w.endsWith('/namespaces/demo/httproutes/split'))).toBe(true);
  });
});
