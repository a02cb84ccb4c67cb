/** Authorization documents: validation names document and field; compilation gives each workload port its rules. */
import { describePolicyIssue, type Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { AuthzCompiler, type AuthzSettings, DEFAULT_AUTHZ_SETTINGS } from './compile-authz.ts';
import { parsePolicyYaml } from './parse.ts';
import { demoServices, demoWorkloads } from './test-util.ts';
import { validatePolicies } from './validate.ts';

function problems(yaml: string): string[] {
  return validatePolicies(parsePolicyYaml(yaml), demoServices(), demoWorkloads()).map(describePolicyIssue);
}

function planFor(
  yaml: string,
  workload: string,
  port = 8080,
  settings: AuthzSettings = DEFAULT_AUTHZ_SETTINGS,
) {
  const docs = yaml.trim() === '' ? [] : parsePolicyYaml(yaml);
  const w = demoWorkloads().find((x) => x.name === workload) as Workload;
  return new AuthzCompiler(docs, demoServices(), settings).plan(w, 'demo', workload, port);
}

const server = (name: string, app: string, port: string | number, extra = '', group = 'policy.weft.dev') => `
apiVersion: ${group}/v1beta1
kind: Server
metadata: { name: ${name}, namespace: demo }
spec:
  podSelector: { matchLabels: { app: ${app} } }
  port: ${port}
${extra}`;

const ANNOTATION = 'config.weft.dev/default-inbound-policy';

describe('default inbound policies', () => {
  const cases: [string, unknown, boolean][] = [
    ['all-unauthenticated', [{ identities: null, networks: null }], false],
    ['all-authenticated', [{ identities: ['*'], networks: null }], false],
    ['cluster-authenticated', [{ identities: ['*'], networks: 'cluster' }], false],
    ['cluster-unauthenticated', [{ identities: null, networks: 'cluster' }], false],
    ['deny', [], false],
    ['audit', [], true],
  ];
  for (const [policy, rules, audit] of cases) {
    it(`${policy}, as the mesh-wide setting`, () => {
      const plan = planFor('', 'catalog', 8080, {
        ...DEFAULT_AUTHZ_SETTINGS,
        defaultPolicy: policy as never,
      });
      expect(plan.serverKind).toBe('default');
      expect(plan.serverName).toBe(`default:${policy}`);
      expect(plan.audit).toBe(audit);
      const cluster = DEFAULT_AUTHZ_SETTINGS.clusterNetworks.map((cidr) => ({ cidr, except: [] }));
      expect(plan.rules).toEqual(
        (rules as { identities: unknown; networks: unknown }[]).map((r) => ({
          kind: 'default',
          namespace: '',
          name: policy,
          identities: r.identities,
          networks: r.networks === 'cluster' ? cluster : null,
        })),
      );
    });
  }

  it('a workload annotation beats its namespace, which beats the mesh; Linkerd spelling accepted', () => {
    const ns = `
apiVersion: v1
kind: Namespace
metadata: { name: demo, annotations: { "config.linkerd.io/default-inbound-policy": deny } }`;
    const deploy = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog, namespace: demo, annotations: { "${ANNOTATION}": all-authenticated } }`;
    expect(problems(`${ns}\n---\n${deploy}`)).toEqual([]);
    expect(planFor(`${ns}\n---\n${deploy}`, 'catalog').serverName).toBe('default:all-authenticated');
    expect(planFor(`${ns}\n---\n${deploy}`, 'web').serverName).toBe('default:deny');
    expect(planFor('', 'web').serverName).toBe('default:all-unauthenticated');
  });

  it('a bad annotation value or an unknown Deployment is named', () => {
    expect(
      problems(`
apiVersion: apps/v1
kind: Deployment
metadata: { name: ghost, namespace: demo, annotations: { "${ANNOTATION}": open } }`),
    ).toEqual([
      'Deployment demo/ghost: metadata.name: Deployment demo/ghost does not exist on the platform',
      `Deployment demo/ghost: metadata.annotations["${ANNOTATION}"]: "open" is not a default inbound policy; use one of all-unauthenticated, all-authenticated, cluster-authenticated, cluster-unauthenticated, deny, audit`,
    ]);
  });
});

describe('Server and AuthorizationPolicy', () => {
  const authn = `
apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: demo-callers, namespace: demo }
spec:
  identities: ["*.demo.serviceaccount.identity.weft.cluster.local"]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: NetworkAuthentication
metadata: { name: local, namespace: demo }
spec:
  networks: [{ cidr: 127.10.0.0/16, except: [127.10.9.0/24] }]
---
apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: { name: catalog-callers, namespace: demo }
spec:
  targetRef: { group: policy.linkerd.io, kind: Server, name: catalog }
  requiredAuthenticationRefs:
    - { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: demo-callers }
    - { group: policy.linkerd.io, kind: NetworkAuthentication, name: local }`;

  it('compiles a Server (port by name) and its policy, in Linkerd spelling, into one rule needing both', () => {
    const yaml = `${server('catalog', 'catalog', 'http', '', 'policy.linkerd.io')}\n---\n${authn}`;
    expect(problems(yaml)).toEqual([]);
    expect(planFor(yaml, 'catalog')).toEqual({
      serverKind: 'server',
      serverName: 'catalog',
      protocol: 'unknown',
      rules: [
        {
          kind: 'AuthorizationPolicy',
          namespace: 'demo',
          name: 'catalog-callers',
          identities: ['*.demo.serviceaccount.identity.weft.cluster.local'],
          networks: [{ cidr: '127.10.0.0/16', except: ['127.10.9.0/24'] }],
        },
      ],
      routes: [],
      audit: false,
    });
    // Another port of the same workload keeps the default.
    expect(planFor(yaml, 'catalog', 9090).serverName).toBe('default:all-unauthenticated');
  });

  it('a Server with no policy denies; accessPolicy audit lets through and is marked audit', () => {
    expect(planFor(server('c', 'catalog', 8080), 'catalog')).toMatchObject({ rules: [], audit: false });
    expect(planFor(server('c', 'catalog', 8080, '  accessPolicy: audit'), 'catalog')).toMatchObject({
      rules: [],
      audit: true,
    });
  });

  it('a Namespace target covers every Server in it', () => {
    const yaml = `${server('c', 'catalog', 8080)}
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: any-web, namespace: demo }
spec:
  targetRef: { kind: Namespace, name: demo }
  requiredAuthenticationRefs: [{ kind: ServiceAccount, name: web }]`;
    expect(problems(yaml)).toEqual([]);
    expect(planFor(yaml, 'catalog').rules.map((r) => [r.name, r.identities])).toEqual([
      ['any-web', ['web.demo.serviceaccount.identity.weft.cluster.local']],
    ]);
  });

  it('cross-object problems name the document and field', () => {
    const yaml = `${server('nobody', 'nothing', 8080)}
---
${server('first', 'catalog', 8080)}
---
${server('second', 'catalog', 'http')}
---
${server('unnamed', 'web', 'grpc')}
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: lost, namespace: demo }
spec:
  targetRef: { kind: Server, name: missing }
  requiredAuthenticationRefs:
    - { kind: MeshTLSAuthentication, name: nope }
    - { kind: Secret, name: x }
---
apiVersion: policy.weft.dev/v1alpha1
kind: NetworkAuthentication
metadata: { name: bad, namespace: demo }
spec:
  networks: [{ cidr: 10.0.0.0/40 }, { cidr: "10.0.0.0/8", except: [nonsense] }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: bad, namespace: demo }
spec:
  identities: ["web.*.identity"]`;
    expect(problems(yaml)).toEqual([
      'Server demo/nobody: spec.podSelector: selects no workload in namespace demo',
      'Server demo/second: spec.port: port 8080 of workload demo/catalog is already claimed by Server demo/first',
      'Server demo/unnamed: spec.port: no Service in demo that selects workload web has a port named "grpc"',
      'AuthorizationPolicy demo/lost: spec.targetRef.name: Server demo/missing does not exist',
      'AuthorizationPolicy demo/lost: spec.requiredAuthenticationRefs[0].name: MeshTLSAuthentication demo/nope does not exist',
      'AuthorizationPolicy demo/lost: spec.requiredAuthenticationRefs[1].kind: "Secret" is not an authentication; use one of MeshTLSAuthentication, NetworkAuthentication, ServiceAccount',
      'NetworkAuthentication demo/bad: spec.networks[0].cidr: "10.0.0.0/40" is not a CIDR: the prefix length must be 0 to 32',
      'NetworkAuthentication demo/bad: spec.networks[1].except[0]: "nonsense" is not a CIDR: "nonsense" is not an IP address',
      'MeshTLSAuthentication demo/bad: spec.identities[0]: "web.*.identity" is not an identity: use a DNS name, "*", or "*." followed by a DNS name',
    ]);
  });

  it('a policy whose authentication is missing allows nothing', () => {
    const yaml = `${server('c', 'catalog', 8080)}
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: lost, namespace: demo }
spec:
  targetRef: { kind: Server, name: c }
  requiredAuthenticationRefs: [{ kind: NetworkAuthentication, name: nope }]`;
    expect(planFor(yaml, 'catalog').rules).toEqual([]);
  });
});

describe('per-route authorization (HTTPRoutes attached to a Server)', () => {
  const routes = `${server('catalog-http', 'catalog', 8080)}
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: from-web, namespace: demo }
spec:
  targetRef: { kind: Server, name: catalog-http }
  requiredAuthenticationRefs: [{ kind: ServiceAccount, name: web }]
---
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata: { name: books, namespace: demo }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: catalog-http }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /books } }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: health, namespace: demo }
spec:
  parentRefs: [{ group: policy.weft.dev, kind: Server, name: catalog-http }]
  rules:
    - matches: [{ path: { type: Exact, value: /healthz }, method: GET }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: NetworkAuthentication
metadata: { name: anywhere, namespace: demo }
spec:
  networks: [{ cidr: 0.0.0.0/0 }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: probes, namespace: demo }
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: HTTPRoute, name: health }
  requiredAuthenticationRefs: [{ kind: NetworkAuthentication, name: anywhere }]`;

  it('compiles each route match in precedence order, with its own policies then the Server’s', () => {
    expect(problems(routes)).toEqual([]);
    const plan = planFor(routes, 'catalog');
    expect(plan.rules.map((r) => r.name)).toEqual(['from-web']);
    expect(
      plan.routes.map((r) => ({
        route: r.name,
        path: r.matches.map((m) => `${m.method ?? '*'} ${m.path?.type} ${m.path?.value}`),
        rules: r.rules.map((x) => x.name),
      })),
    ).toEqual([
      { route: 'health', path: ['GET Exact /healthz'], rules: ['probes', 'from-web'] },
      { route: 'books', path: ['* PathPrefix /books'], rules: ['from-web'] },
    ]);
  });

  it('refuses a route on a missing Server and a policy on a route that is missing or on no Server', () => {
    const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lost, namespace: demo }
spec:
  parentRefs: [{ group: policy.linkerd.io, kind: Server, name: ghost }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: outbound, namespace: demo }
spec:
  parentRefs: [{ kind: Service, name: catalog, port: 8080 }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: a, namespace: demo }
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: HTTPRoute, name: outbound }
  requiredAuthenticationRefs: [{ kind: ServiceAccount, name: web }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: b, namespace: demo }
spec:
  targetRef: { group: gateway.networking.k8s.io, kind: HTTPRoute, name: nowhere }
  requiredAuthenticationRefs: [{ kind: ServiceAccount, name: web }]`;
    expect(problems(yaml)).toEqual([
      'HTTPRoute demo/lost: spec.parentRefs[0].name: Server demo/ghost does not exist',
      'AuthorizationPolicy demo/a: spec.targetRef.name: HTTPRoute demo/outbound is not attached to a Server; per-route authorization needs a route whose parentRefs name a Server',
      'AuthorizationPolicy demo/b: spec.targetRef.name: HTTPRoute demo/nowhere does not exist',
    ]);
  });
});
