// Golden tests of the injection patch: each case's pod and namespace annotations in,
// the JSON patch out, compared with test/fixtures/inject/<case>.json (written afresh
// with WEFT_UPDATE_GOLDEN=1, then reviewed like code).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { ErrorCode, type InjectionConfig, injectionPatch, MeshError } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { jsonPatch } from '../../../test/kube/patch.ts';

const GOLDEN = fileURLToPath(new URL('../../../test/fixtures/inject/', import.meta.url));
const CONFIG: InjectionConfig = {
  proxyImage: 'ghcr.io/weft/proxy:0.1.0',
  initImage: 'ghcr.io/weft/init:0.1.0',
  controllerUrl: 'http://weft-controller.weft.svc:7090',
};

function pod(extra: { annotations?: Record<string, string>; initContainers?: object[] } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-5d8f7c9b4d-',
      namespace: 'demo',
      labels: { app: 'web', 'pod-template-hash': '5d8f7c9b4d' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7c9b4d', uid: 'u1', controller: true },
      ],
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
    },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'web', image: 'example/web:1', ports: [{ name: 'http', containerPort: 8080 }] }],
      ...(extra.initContainers ? { initContainers: extra.initContainers as never } : {}),
    },
  };
}

function golden(name: string, value: unknown) {
  const path = join(GOLDEN, `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.WEFT_UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, text);
  // Compared as JSON: the formatter may lay the file out its own way.
  expect(JSON.parse(JSON.stringify(value))).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

describe('injectionPatch', () => {
  it('meshes a pod whose namespace asks for it: init container, proxy, annotation', () => {
    const p = pod();
    const patch = injectionPatch(p, { 'weft.dev/inject': 'enabled' }, CONFIG);
    golden('namespace-enabled', patch);
    const meshed = jsonPatch(p as never, patch) as V1Pod;
    expect(meshed.spec?.containers.map((c) => c.name)).toEqual(['web', 'weft-proxy']);
    expect(meshed.spec?.initContainers?.map((c) => c.name)).toEqual(['weft-init']);
    const script = meshed.spec?.initContainers?.[0]?.command?.[2] ?? '';
    expect(script).toContain('--to-port 4143');
    expect(script).toContain('--to-port 4140');
    expect(script).toContain('--uid-owner 2102');
    expect(meshed.metadata?.annotations).toEqual({ 'weft.dev/injected': 'true' });
    // The proxy proves its workload with a projected token for the controller's audience.
    const token = meshed.spec?.volumes?.find((v) => v.name === 'weft-identity-token');
    expect(token?.projected?.sources?.[0]?.serviceAccountToken).toEqual({
      audience: 'weft',
      expirationSeconds: 3600,
      path: 'weft-identity-token',
    });
    const proxy = meshed.spec?.containers.find((c) => c.name === 'weft-proxy');
    expect(proxy?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      '/var/run/secrets/tokens',
      '/var/run/weft/identity',
    ]);
    const env = Object.fromEntries((proxy?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.WEFT_PROXY_IDENTITY_TOKEN_FILE).toBe('/var/run/secrets/tokens/weft-identity-token');
    expect(env.WEFT_PROXY_IDENTITY_DIR).toBe('/var/run/weft/identity');
    expect(meshed.spec?.volumes?.find((v) => v.name === 'weft-identity-trust-roots')?.configMap).toEqual({
      name: 'weft-identity-trust-roots',
      optional: true,
    });
  });

  it("adds its volumes after the pod's own", () => {
    const p = pod();
    (p.spec as { volumes?: object[] }).volumes = [{ name: 'data', emptyDir: {} }];
    const meshed = jsonPatch(
      p as never,
      injectionPatch(p, { 'weft.dev/inject': 'enabled' }, CONFIG),
    ) as V1Pod;
    expect(meshed.spec?.volumes?.map((v) => v.name)).toEqual([
      'data',
      'weft-identity-token',
      'weft-identity-trust-roots',
    ]);
  });

  it('requires the trust-roots volume where the namespace has its copy', () => {
    const p = pod();
    const meshed = jsonPatch(
      p as never,
      injectionPatch(p, { 'weft.dev/inject': 'enabled' }, CONFIG, true),
    ) as V1Pod;
    expect(meshed.spec?.volumes?.find((v) => v.name === 'weft-identity-trust-roots')?.configMap).toEqual({
      name: 'weft-identity-trust-roots',
      optional: false,
    });
  });

  it('keeps existing init containers after its own and honours the skip-port annotations', () => {
    const p = pod({
      annotations: {
        'weft.dev/inject': 'enabled',
        'config.weft.dev/skip-outbound-ports': '5432,9000-9100',
        'config.weft.dev/skip-inbound-ports': '9090',
      },
      initContainers: [{ name: 'migrate', image: 'example/migrate:1' }],
    });
    const patch = injectionPatch(p, {}, CONFIG);
    golden('pod-enabled-skip-ports', patch);
    const meshed = jsonPatch(p as never, patch) as V1Pod;
    expect(meshed.spec?.initContainers?.map((c) => c.name)).toEqual(['weft-init', 'migrate']);
    const script = meshed.spec?.initContainers?.[0]?.command?.[2] ?? '';
    expect(script).toContain('5432,9000:9100');
    expect(script).toContain('9090');
    expect(meshed.metadata?.annotations?.['weft.dev/injected']).toBe('true');
  });

  it('leaves alone a pod that is disabled, not asked, already injected or on the host network', () => {
    expect(
      injectionPatch(
        pod({ annotations: { 'weft.dev/inject': 'disabled' } }),
        { 'weft.dev/inject': 'enabled' },
        CONFIG,
      ),
    ).toEqual([]);
    expect(injectionPatch(pod(), {}, CONFIG)).toEqual([]);
    const injected = jsonPatch(
      pod() as never,
      injectionPatch(pod(), { 'weft.dev/inject': 'enabled' }, CONFIG),
    ) as V1Pod;
    expect(injectionPatch(injected, { 'weft.dev/inject': 'enabled' }, CONFIG)).toEqual([]);
    const host = pod({ annotations: { 'weft.dev/inject': 'enabled' } });
    host.spec = { ...host.spec, containers: host.spec?.containers ?? [], hostNetwork: true };
    expect(injectionPatch(host, {}, CONFIG)).toEqual([]);
  });

  it('refuses a bad skip-port annotation, naming it', () => {
    const p = pod({
      annotations: { 'weft.dev/inject': 'enabled', 'config.weft.dev/skip-outbound-ports': '70000' },
    });
    let err: unknown;
    try {
      injectionPatch(p, {}, CONFIG);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe(ErrorCode.invalidInput);
    expect((err as MeshError).message).toMatch(/outboundPortsToIgnore/);
  });
});
