// The fake Kubernetes API server's protocol, checked over plain HTTP: watches resume
// from a resourceVersion, answer 410 Gone once it was compacted, send bookmarks and
// selector moves; patches merge as Kubernetes does; the status subresource and the
// main resource each change only their part; CRDs serve custom resources.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from './kube/server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the server, read by path in assertions.
type Doc = any;

let server: FakeApiServer;
let base: string;

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': contentType },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Doc };
}

/** Reads a watch's events until `count` arrived or the stream ended (bounded). */
async function watchEvents(path: string, count: number, timeoutMs = 5000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { type: string; object: Doc }[] = [];
  try {
    const res = await fetch(`${base}${path}`, { signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        events.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
      if (events.length >= count) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'app', image: 'example/app:1', ports: [{ containerPort: 8080 }] }] },
});

beforeAll(async () => {
  server = new FakeApiServer({ bookmarkMs: 200, historyLimit: 50 });
  base = await server.listen();
  expect((await call('POST', '/api/v1/namespaces', { metadata: { name: 'p' } })).status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

describe('fake API server: watches', () => {
  it('replays what changed after a resourceVersion, then streams', async () => {
    const list = await call('GET', '/api/v1/namespaces/p/pods');
    const rv = list.body.metadata.resourceVersion as string;
    await call('POST', '/api/v1/namespaces/p/pods', pod('a'));
    const watching = watchEvents(`/api/v1/namespaces/p/pods?watch=true&resourceVersion=${rv}`, 2);
    await new Promise((r) => setTimeout(r, 100));
    await call('DELETE', '/api/v1/namespaces/p/pods/a');
    const events = await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'DELETED a']);
    expect(Number(events[1]?.object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('answers 410 Gone for a compacted resourceVersion, and a relist starts over', async () => {
    const rv = (await call('GET', '/api/v1/namespaces/p/pods')).body.metadata.resourceVersion as string;
    await call('POST', '/api/v1/namespaces/p/pods', pod('b'));
    server.store.compact();
    const [event] = await watchEvents(`/api/v1/namespaces/p/pods?watch=true&resourceVersion=${rv}`, 1);
    expect(event?.type).toBe('ERROR');
    expect(event?.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    const relist = await call('GET', '/api/v1/namespaces/p/pods');
    expect(relist.body.items.map((p: Doc) => p.metadata.name)).toEqual(['b']);
    const fresh = relist.body.metadata.resourceVersion as string;
    const watching = watchEvents(`/api/v1/namespaces/p/pods?watch=true&resourceVersion=${fresh}`, 1);
    await new Promise((r) => setTimeout(r, 100));
    await call('DELETE', '/api/v1/namespaces/p/pods/b');
    expect((await watching).map((e) => e.type)).toEqual(['DELETED']);
  });

  it('sends bookmarks when allowed, and objects moving across a label selector as ADDED/DELETED', async () => {
    const rv = (await call('GET', '/api/v1/namespaces/p/pods')).body.metadata.resourceVersion as string;
    const watching = watchEvents(
      `/api/v1/namespaces/p/pods?watch=true&resourceVersion=${rv}&labelSelector=tier%3Dfront&allowWatchBookmarks=true`,
      4,
    );
    await new Promise((r) => setTimeout(r, 100));
    await call('POST', '/api/v1/namespaces/p/pods', pod('c', { tier: 'back' }));
    const merge = 'application/merge-patch+json';
    await call('PATCH', '/api/v1/namespaces/p/pods/c', { metadata: { labels: { tier: 'front' } } }, merge);
    await call('PATCH', '/api/v1/namespaces/p/pods/c', { metadata: { labels: { tier: 'back' } } }, merge);
    const events = await watching;
    const changes = events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type);
    expect(changes.slice(0, 2)).toEqual(['ADDED', 'DELETED']);
    await call('DELETE', '/api/v1/namespaces/p/pods/c');
    const bookmarks = await watchEvents(
      `/api/v1/namespaces/p/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${server.store.resourceVersion}`,
      1,
    );
    expect(bookmarks[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1' } });
  });
});

describe('fake API server: writes', () => {
  it('merges containers by name in a strategic merge patch, replaces lists in a merge patch', async () => {
    await call('POST', '/api/v1/namespaces/p/pods', pod('d'));
    const smp = await call(
      'PATCH',
      '/api/v1/namespaces/p/pods/d',
      {
        spec: {
          containers: [
            { name: 'proxy', image: 'weft/proxy:1' },
            { name: 'app', image: 'example/app:2' },
          ],
        },
      },
      'application/strategic-merge-patch+json',
    );
    expect(smp.body.spec.containers.map((c: Doc) => `${c.name}=${c.image}`)).toEqual([
      'app=example/app:2',
      'proxy=weft/proxy:1',
    ]);
    expect(smp.body.spec.containers[0].ports).toEqual([{ containerPort: 8080 }]);
    const merge = await call(
      'PATCH',
      '/api/v1/namespaces/p/pods/d',
      { spec: { containers: [{ name: 'only', image: 'x' }] } },
      'application/merge-patch+json',
    );
    expect(merge.body.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
    const json = await call(
      'PATCH',
      '/api/v1/namespaces/p/pods/d',
      [{ op: 'add', path: '/metadata/annotations', value: { 'weft.dev/inject': 'enabled' } }],
      'application/json-patch+json',
    );
    expect(json.body.metadata.annotations).toEqual({ 'weft.dev/inject': 'enabled' });
    const bad = await call(
      'PATCH',
      '/api/v1/namespaces/p/pods/d',
      [{ op: 'remove', path: '/nope' }],
      'application/json-patch+json',
    );
    expect(bad.status).toBe(422);
  });

  it('keeps status and spec apart: each write changes its own part, generation follows the spec', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'x' }] },
        },
      },
      status: { replicas: 99 },
    };
    const created = await call('POST', '/apis/apps/v1/namespaces/p/deployments', deployment);
    expect(created.body.status).toBeUndefined();
    expect(created.body.metadata.generation).toBe(1);
    const status = await call('PUT', '/apis/apps/v1/namespaces/p/deployments/web/status', {
      ...created.body,
      spec: { ...created.body.spec, replicas: 5 },
      status: { replicas: 1, readyReplicas: 1 },
    });
    expect(status.body.spec.replicas).toBe(1);
    expect(status.body.status).toEqual({ replicas: 1, readyReplicas: 1 });
    const stale = await call('PUT', '/apis/apps/v1/namespaces/p/deployments/web', created.body);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict' });
    const spec = await call('PUT', '/apis/apps/v1/namespaces/p/deployments/web', {
      ...status.body,
      spec: { ...status.body.spec, replicas: 3 },
      status: {},
    });
    expect(spec.body.metadata.generation).toBe(2);
    expect(spec.body.status).toEqual({ replicas: 1, readyReplicas: 1 });
  });

  it('answers errors as Status objects and changes nothing', async () => {
    const before = server.store.resourceVersion;
    const missing = await call('GET', '/api/v1/namespaces/p/pods/none');
    expect(missing).toMatchObject({ status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } });
    const noNamespace = await call('POST', '/api/v1/namespaces/ghost/pods', pod('e'));
    expect(noNamespace.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "ghost" not found' });
    const mismatch = await call('POST', '/api/v1/namespaces/p/pods', {
      ...pod('e'),
      metadata: { name: 'e', namespace: 'q' },
    });
    expect(mismatch.body.reason).toBe('BadRequest');
    const badName = await call('POST', '/api/v1/namespaces/p/pods', pod('Not_A_Name'));
    expect(badName.body.reason).toBe('Invalid');
    expect(server.store.resourceVersion).toBe(before);
  });

  it('serves custom resources once their CRD exists, with a status subresource and no strategic merge', async () => {
    const path = '/apis/policy.weft.dev/v1alpha1/namespaces/p/httproutes';
    expect((await call('GET', path)).status).toBe(404);
    await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'httproutes.policy.weft.dev' },
      spec: {
        group: 'policy.weft.dev',
        scope: 'Namespaced',
        names: { plural: 'httproutes', singular: 'httproute', kind: 'HTTPRoute' },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object' } },
          },
        ],
      },
    });
    const created = await call('POST', path, {
      apiVersion: 'policy.weft.dev/v1alpha1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: { rules: [] },
    });
    expect(created.status).toBe(201);
    const status = await call(
      'PATCH',
      `${path}/r/status`,
      { status: { conditions: [{ type: 'Accepted', status: 'True' }] } },
      'application/merge-patch+json',
    );
    expect(status.body.status.conditions[0].type).toBe('Accepted');
    const smp = await call('PATCH', `${path}/r`, { spec: {} }, 'application/strategic-merge-patch+json');
    expect(smp.status).toBe(415);
    const discovery = await call('GET', '/apis/policy.weft.dev/v1alpha1');
    expect(discovery.body.resources.map((r: Doc) => r.name)).toEqual(['httproutes', 'httproutes/status']);
  });
});
