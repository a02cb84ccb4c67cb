// The fake Kubernetes API server (test/kube) against a real kubectl: applying the demo
// manifests, applying a change, annotating, scaling, watching pods and reading errors
// must work as they do against a cluster.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, waitFor } from './demo-harness.ts';
import { ensureKubectl, kubectl, kubectlStream, writeKubeconfig } from './kube/kubectl.ts';
import { FakeApiServer } from './kube/server.ts';

const missing = ensureKubectl();
if (missing) console.log(`[kube-fake-kubectl] skipped: ${missing}`);

const DEMO = join(REPO_ROOT, 'examples/demo/manifests');

describe.skipIf(missing !== undefined)('the fake API server, driven by kubectl', () => {
  let server: FakeApiServer;
  let dir: string;
  let config: string;
  const run = (...args: string[]) => kubectl(config, args);
  const out = async (...args: string[]) => (await kubectl(config, args)).out;

  beforeAll(async () => {
    server = new FakeApiServer({ bookmarkMs: 500 });
    dir = mkdtempSync(join(tmpdir(), 'weft-kubectl-'));
    config = writeKubeconfig(dir, await server.listen());
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies the demo manifests, creating every object they hold', async () => {
    // The fake serves no OpenAPI document, so kubectl's client-side schema check is off.
    const r = await run('apply', '--validate=false', '-f', DEMO);
    expect(r.ok, r.out).toBe(true);
    expect(r.out).toContain('namespace/demo created');
    expect(r.out).toContain('deployment.apps/web created');
    expect(r.out).toContain('service/ratings created');
    const web = server.store.get('apps/v1/deployments', 'demo', 'web');
    expect(web?.metadata.generation).toBe(1);
    expect(Object.keys((web?.metadata.annotations ?? {}) as object)).toContain(
      'kubectl.kubernetes.io/last-applied-configuration',
    );
    expect((await out('get', 'deployments', '-n', 'demo', '-o', 'name')).trim().split('\n')).toContain(
      'deployment.apps/web',
    );
  });

  it('applies a change as a strategic merge patch: the spec and generation move, the rest stays', async () => {
    expect(await out('apply', '--validate=false', '-f', DEMO)).toContain('deployment.apps/web unchanged');
    const before = server.store.get('apps/v1/deployments', 'demo', 'web');
    const changed = readFileSync(join(DEMO, 'demo.yaml'), 'utf8').replace(
      /(name: web\n[\s\S]*?replicas:) \d+/,
      '$1 4',
    );
    writeFileSync(join(dir, 'demo.yaml'), changed);
    expect(await out('apply', '--validate=false', '-f', join(dir, 'demo.yaml'))).toContain(
      'deployment.apps/web configured',
    );
    const after = server.store.get('apps/v1/deployments', 'demo', 'web');
    expect((after?.spec as { replicas: number } | undefined)?.replicas).toBe(4);
    expect(after?.metadata.generation).toBe(2);
    expect(after?.metadata.uid).toBe(before?.metadata.uid);
    const template = (o: typeof after) =>
      JSON.stringify((o?.spec as { template: unknown } | undefined)?.template);
    expect(template(after)).toBe(template(before));
  });

  it('annotates, and scales through the scale subresource', async () => {
    expect((await run('annotate', 'deployment', 'web', '-n', 'demo', 'weft.dev/inject=enabled')).ok).toBe(
      true,
    );
    const annotation = 'jsonpath={.metadata.annotations.weft\\.dev/inject}';
    expect(await out('get', 'deployment', 'web', '-n', 'demo', '-o', annotation)).toBe('enabled');
    expect((await run('scale', 'deployment', 'web', '-n', 'demo', '--replicas=1')).ok).toBe(true);
    expect(await out('get', 'deployment', 'web', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}')).toBe('1');
    expect(server.requests).toContain('PATCH /apis/apps/v1/namespaces/demo/deployments/web/scale');
  });

  it('watches pods: a pod created, relabelled and deleted shows three times', async () => {
    const watch = kubectlStream(config, ['get', 'pods', '-n', 'demo', '-w', '-o', 'name']);
    try {
      await waitFor('the watch to start', () =>
        server.requests.some((r) => r === 'GET /api/v1/namespaces/demo/pods'),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect((await run('run', 'hello', '--image=example/hello:1', '-n', 'demo')).ok).toBe(true);
      expect((await run('label', 'pod', 'hello', '-n', 'demo', 'tier=front')).ok).toBe(true);
      expect((await run('delete', 'pod', 'hello', '-n', 'demo', '--wait=false')).ok).toBe(true);
      await waitFor('three events', () => watch.lines.filter((l) => l === 'pod/hello').length === 3);
    } finally {
      watch.stop();
    }
  });

  it('shows the server Status errors as kubectl reports a cluster', async () => {
    expect(await out('get', 'namespace', 'nowhere')).toContain(
      'Error from server (NotFound): namespaces "nowhere" not found',
    );
    // `create -f` sends JSON (the typed `create namespace` sends protobuf, which the fake does not speak).
    expect(await out('create', '--validate=false', '-f', join(DEMO, 'demo.yaml'))).toContain(
      'Error from server (AlreadyExists): error when creating',
    );
    expect(await out('get', 'pods', '-n', 'demo', '-l', 'app in (web')).toMatch(
      /unable to parse requirement|Error/,
    );
  });
});
