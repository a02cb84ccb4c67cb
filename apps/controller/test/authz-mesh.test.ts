// Authorization end to end with real proxies and real mTLS: the controller's policy
// service compiles what is applied (default-inbound-policy annotations on the Namespace
// or the Deployment, Servers with AuthorizationPolicies, MeshTLSAuthentication wildcards,
// NetworkAuthentication CIDRs) and streams it on `policy.watch` to the callee's proxy
// (demo/catalog). Meshed callers (demo/web and other/pinger, proxies holding certificates
// from the identity API) call through their outbound listeners; unmeshed callers connect
// straight to the callee's inbound port from their own loopback addresses. The cluster
// networks are 127.0.0.0/16 here, so 127.1.x.x is a caller from outside the cluster.
import net from 'node:net';
import { meshIdentity } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { greeting } from './authz-mesh-clients.ts';
import {
  ALLOWED,
  apply,
  appPort,
  CATALOG_TCP,
  catalogTcpPort,
  count,
  DENIED,
  deploymentDefault,
  grpcAppPort,
  grpcCall,
  INSIDE,
  meshed,
  metricsText,
  namespaceDefault,
  OUTSIDE,
  tcpAppPort,
  tunnel,
  unmeshed,
  useAuthzMeshWorld,
} from './authz-mesh-world.ts';

useAuthzMeshWorld();

describe('default inbound policies, meshed and unmeshed callers', () => {
  // [policy, meshed web, unmeshed inside the cluster, unmeshed outside]
  const cases: [string, boolean, boolean, boolean][] = [
    ['all-unauthenticated', true, true, true],
    ['all-authenticated', true, false, false],
    ['cluster-authenticated', true, false, false],
    ['cluster-unauthenticated', true, true, false],
    ['deny', false, false, false],
  ];
  for (const [name, web, inside, outside] of cases) {
    it(`${name} (on the Namespace): meshed ${web ? 'allowed' : 'denied'}, unmeshed ${inside ? 'allowed' : 'denied'} inside the cluster and ${outside ? 'allowed' : 'denied'} outside`, async () => {
      await apply(namespaceDefault(name));
      const labels = { srv_kind: 'default', srv_name: `default:${name}` };
      const allowedBefore = await count('inbound_http_authz_allow_total', { ...labels, authz_name: name });
      const deniedBefore = await count('inbound_http_authz_deny_total', labels);
      const replies = [await meshed('web'), await unmeshed(INSIDE), await unmeshed(OUTSIDE)];
      const want = [web, inside, outside];
      for (const [i, ok] of want.entries())
        expect(replies[i], `caller ${i}`).toMatchObject(ok ? ALLOWED : DENIED);
      const allowed = want.filter(Boolean).length;
      expect(
        (await count('inbound_http_authz_allow_total', { ...labels, authz_name: name })) - allowedBefore,
      ).toBe(allowed);
      expect((await count('inbound_http_authz_deny_total', labels)) - deniedBefore).toBe(3 - allowed);
    }, 30_000);
  }

  it('audit (on the Deployment, over the Namespace’s deny) lets everyone through and counts them apart', async () => {
    await apply(`${namespaceDefault('deny')}\n---\n${deploymentDefault('audit')}`);
    const labels = { srv_kind: 'default', srv_name: 'default:audit' };
    const auditBefore = await count('inbound_http_authz_audit_total', labels);
    const deniedBefore = await count('inbound_http_authz_deny_total');
    expect(await meshed('web')).toMatchObject(ALLOWED);
    expect(await unmeshed(OUTSIDE)).toMatchObject(ALLOWED);
    expect((await count('inbound_http_authz_audit_total', labels)) - auditBefore).toBe(2);
    expect((await count('inbound_http_authz_deny_total')) - deniedBefore).toBe(0);
  }, 30_000);

  it('the Deployment’s annotation wins over the Namespace’s', async () => {
    await apply(`${namespaceDefault('deny')}\n---\n${deploymentDefault('all-authenticated')}`);
    expect(await meshed('pinger')).toMatchObject(ALLOWED);
    expect(await unmeshed(INSIDE)).toMatchObject(DENIED);
  }, 30_000);

  it('a plaintext caller’s weft-src claim names it nowhere: it is counted by its address', async () => {
    const lines = (await metricsText()).split('\n').filter((l) => l.includes(`src_addr="${INSIDE}"`));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toMatch(/src_deployment="web"|src_namespace="demo"|client_id=/);
  });
});

describe('Servers and AuthorizationPolicies against real certificates and addresses', () => {
  const SERVER = (port: number, protocol = 'HTTP/1') => `
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: catalog-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: catalog } }
  port: ${port}
  proxyProtocol: ${protocol}`;

  it('a MeshTLSAuthentication wildcard matches the peer certificate: demo callers in, others out', async () => {
    await apply(`${namespaceDefault('all-unauthenticated')}
---
${SERVER(appPort)}
---
apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: demo-accounts, namespace: demo }
spec:
  identities: ["*.demo.serviceaccount.identity.weft.cluster.local"]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: demo-only, namespace: demo }
spec:
  targetRef: { group: policy.weft.dev, kind: Server, name: catalog-http }
  requiredAuthenticationRefs: [{ group: policy.weft.dev, kind: MeshTLSAuthentication, name: demo-accounts }]`);
    const labels = { srv_kind: 'server', srv_name: 'catalog-http' };
    const allowedBefore = await count('inbound_http_authz_allow_total', {
      ...labels,
      authz_kind: 'authorizationpolicy',
      authz_name: 'demo-only',
    });
    const deniedBefore = await count('inbound_http_authz_deny_total', labels);
    expect(await meshed('web')).toMatchObject(ALLOWED);
    expect(await meshed('pinger')).toMatchObject(DENIED);
    // a plaintext caller claiming demo/web proves nothing
    expect(await unmeshed(INSIDE)).toMatchObject(DENIED);
    expect(
      (await count('inbound_http_authz_allow_total', {
        ...labels,
        authz_kind: 'authorizationpolicy',
        authz_name: 'demo-only',
      })) - allowedBefore,
    ).toBe(1);
    expect((await count('inbound_http_authz_deny_total', labels)) - deniedBefore).toBe(2);
  }, 30_000);

  it('an exact identity admits that account only', async () => {
    await apply(`apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: demo-accounts, namespace: demo }
spec:
  identities: ["${meshIdentity('pinger', 'other')}"]`);
    expect(await meshed('pinger')).toMatchObject(ALLOWED);
    expect(await meshed('web')).toMatchObject(DENIED);
  }, 30_000);

  it('a NetworkAuthentication with except matches the real source addresses', async () => {
    await apply(`apiVersion: policy.weft.dev/v1alpha1
kind: NetworkAuthentication
metadata: { name: inside, namespace: demo }
spec:
  networks: [{ cidr: 127.0.0.0/16, except: [127.0.3.0/24] }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: demo-only, namespace: demo }
spec:
  targetRef: { group: policy.weft.dev, kind: Server, name: catalog-http }
  requiredAuthenticationRefs: [{ group: policy.weft.dev, kind: NetworkAuthentication, name: inside }]`);
    expect(await unmeshed('127.0.4.1')).toMatchObject(ALLOWED);
    expect(await unmeshed(INSIDE)).toMatchObject(DENIED); // 127.0.3.7 is carved out
    expect(await unmeshed(OUTSIDE)).toMatchObject(DENIED);
    // the meshed callers connect from 127.0.0.1: in the network, whatever their identity
    expect(await meshed('pinger')).toMatchObject(ALLOWED);
  }, 30_000);

  it('an HTTPRoute on the Server authorizes its own requests (with the Server’s rules); others get 404', async () => {
    await apply(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: books, namespace: demo }
spec:
  parentRefs: [{ group: policy.weft.dev, kind: Server, name: catalog-http }]
  rules: [{ matches: [{ path: { type: PathPrefix, value: /books } }] }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: books-web, namespace: demo }
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: HTTPRoute, name: books }
  requiredAuthenticationRefs: [{ kind: ServiceAccount, name: web }]`);
    const labels = { srv_name: 'catalog-http', route_name: 'books' };
    const allowedBefore = await count('inbound_http_authz_allow_total', {
      ...labels,
      authz_name: 'books-web',
    });
    const deniedBefore = await count('inbound_http_authz_deny_total', labels);
    expect(await meshed('web', '/books/42')).toMatchObject(ALLOWED);
    // the Server's own policy (the network, with 127.0.3.0/24 carved out) still applies on the route
    expect(await unmeshed(INSIDE, '/books/42')).toMatchObject(DENIED);
    expect(await unmeshed('127.0.4.1', '/books/42')).toMatchObject(ALLOWED);
    expect(await meshed('web', '/')).toMatchObject({ status: 404, error: 'no-route' });
    expect(
      (await count('inbound_http_authz_allow_total', { ...labels, authz_name: 'books-web' })) - allowedBefore,
    ).toBe(1);
    expect((await count('inbound_http_authz_deny_total', labels)) - deniedBefore).toBe(1);
  }, 30_000);

  it('a meshed gRPC caller that is denied gets PERMISSION_DENIED, counted', async () => {
    await apply(`${namespaceDefault('all-authenticated')}
---
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: catalog-grpc, namespace: demo }
spec:
  podSelector: { matchLabels: { app: catalog } }
  port: ${grpcAppPort}
  proxyProtocol: gRPC`);
    const labels = { srv_kind: 'server', srv_name: 'catalog-grpc' };
    const deniedBefore = await count('inbound_http_authz_deny_total', labels);
    const status = await grpcCall('web');
    expect(status).toBe('7');
    expect((await count('inbound_http_authz_deny_total', labels)) - deniedBefore).toBe(1);
  }, 30_000);

  it('an opaque Server decides each connection by the peer certificate before the app says a word', async () => {
    await apply(`apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: catalog-tcp, namespace: demo }
spec:
  podSelector: { matchLabels: { app: catalog } }
  port: ${tcpAppPort}
  proxyProtocol: opaque
---
apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: web-account, namespace: demo }
spec:
  identities: ["${meshIdentity('web', 'demo')}"]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: tcp-from-web, namespace: demo }
spec:
  targetRef: { group: policy.weft.dev, kind: Server, name: catalog-tcp }
  requiredAuthenticationRefs: [{ group: policy.weft.dev, kind: MeshTLSAuthentication, name: web-account }]`);
    const labels = { srv_kind: 'server', srv_name: 'catalog-tcp' };
    const allowedBefore = await count('inbound_tcp_authz_allow_total', {
      ...labels,
      authz_name: 'tcp-from-web',
    });
    const deniedBefore = await count('inbound_tcp_authz_deny_total', labels);
    expect(await greeting(await tunnel('web', CATALOG_TCP))).toMatchObject({ data: 'hello\n' });
    expect((await greeting(await tunnel('pinger', CATALOG_TCP))).data).toBe('');
    const plain = await new Promise<{ data: string; error: string }>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: catalogTcpPort, localAddress: INSIDE });
      greeting(s).then(resolve);
    });
    expect(plain).toEqual({ data: '', error: 'ECONNRESET' });
    expect(
      (await count('inbound_tcp_authz_allow_total', { ...labels, authz_name: 'tcp-from-web' })) -
        allowedBefore,
    ).toBe(1);
    expect((await count('inbound_tcp_authz_deny_total', labels)) - deniedBefore).toBe(2);
  }, 30_000);
});

/** A CONNECT tunnel to `authority` through a meshed caller's proxy, open and paused. */
