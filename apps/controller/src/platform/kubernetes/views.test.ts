// Endpoints on the Kubernetes platform are announced meshed only while the pod's proxy
// serves mTLS: the injected proxy's container is ready (its readiness probe is the
// proxy's /ready, which fails until it holds a certificate).
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { type InjectionConfig, injectionPatch, meshIdentity } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { jsonPatch } from '../../../test/kube/patch.ts';
import { endpointsView, podEndpointView, servesTls } from './views.ts';

const CONFIG: InjectionConfig = {
  proxyImage: 'ghcr.io/weft/proxy:0.1.0',
  initImage: 'ghcr.io/weft/init:0.1.0',
  controllerUrl: 'http://weft-controller.weft.svc:7090',
};

/** A running pod of demo/web at `ip`, injected or not, with each container's readiness. */
function pod(name: string, ip: string, injected: boolean, ready: Record<string, boolean>): V1Pod {
  const plain: V1Pod = {
    metadata: {
      name,
      namespace: 'demo',
      labels: { app: 'web', 'pod-template-hash': 'abc' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'u', controller: true },
      ],
    },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'web', image: 'example/web:1', ports: [{ containerPort: 8080 }] }],
    },
  };
  const p = injected
    ? (jsonPatch(plain as never, injectionPatch(plain, { 'weft.dev/inject': 'enabled' }, CONFIG)) as V1Pod)
    : plain;
  const all = Object.values(ready).every(Boolean);
  p.status = {
    phase: 'Running',
    podIP: ip,
    conditions: [{ type: 'Ready', status: all ? 'True' : 'False' }],
    containerStatuses: Object.entries(ready).map(([n, r]) => ({
      name: n,
      ready: r,
      restartCount: 0,
      image: 'x',
      imageID: 'x',
    })),
  };
  return p;
}

describe('endpoints announced meshed only while the proxy serves mTLS', () => {
  it("the injected proxy's readiness probe is its /ready on the admin port (not ready without a certificate)", () => {
    const p = pod('web-1', '10.0.0.1', true, { web: true, 'weft-proxy': true });
    const proxy = p.spec?.containers.find((c) => c.name === 'weft-proxy');
    expect(proxy?.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 4191 }, periodSeconds: 2 });
    // identity is on in the injected proxy (a token file), so /ready waits for the certificate
    expect(proxy?.env?.some((e) => e.name === 'WEFT_PROXY_IDENTITY_TOKEN_FILE')).toBe(true);
  });

  it('meshed, with the identity, once the proxy container is ready; plaintext before, or without a proxy', () => {
    const ready = pod('web-1', '10.0.0.1', true, { web: true, 'weft-proxy': true });
    const noCert = pod('web-2', '10.0.0.2', true, { web: true, 'weft-proxy': false });
    const plain = pod('web-3', '10.0.0.3', false, { web: true });
    expect([ready, noCert, plain].map(servesTls)).toEqual([true, false, false]);
    expect(podEndpointView(ready, 'web', '10.0.0.1', 8080)).toEqual({
      address: '10.0.0.1',
      port: 8080,
      pod: 'web-1',
      workload: 'web',
      namespace: 'demo',
      meshed: true,
      identity: meshIdentity('web', 'demo'),
    });
    expect(podEndpointView(noCert, 'web', '10.0.0.2', 8080)).toEqual({
      address: '10.0.0.2',
      port: 8080,
      pod: 'web-2',
      workload: 'web',
      namespace: 'demo',
      meshed: false,
    });
  });

  it('a slice endpoint marked ready (publishNotReadyAddresses) whose proxy is not ready is announced plaintext', () => {
    const pods = [
      pod('web-1', '10.0.0.1', true, { web: true, 'weft-proxy': true }),
      pod('web-2', '10.0.0.2', true, { web: true, 'weft-proxy': false }),
    ];
    const svc: V1Service = {
      metadata: { name: 'web', namespace: 'demo' },
      spec: { ports: [{ name: 'http', port: 80 }], publishNotReadyAddresses: true },
    };
    const slice: V1EndpointSlice = {
      addressType: 'IPv4',
      metadata: { name: 'web-x', namespace: 'demo', labels: { 'kubernetes.io/service-name': 'web' } },
      ports: [{ name: 'http', port: 8080 }],
      endpoints: pods.map((p) => ({
        addresses: [p.status?.podIP ?? ''],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', name: p.metadata?.name ?? '' },
      })),
    };
    const [view] = endpointsView(svc, [slice], (name) => {
      const p = pods.find((x) => x.metadata?.name === name);
      return p && { pod: p, workload: 'web' };
    });
    expect(view?.endpoints.map((e) => [e.address, e.meshed, e.identity])).toEqual([
      ['10.0.0.1', true, meshIdentity('web', 'demo')],
      ['10.0.0.2', false, undefined],
    ]);
  });
});
