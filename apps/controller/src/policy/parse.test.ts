/** Linkerd's and Gateway API's own example manifests parse unchanged; bad YAML is refused naming document and field. */
import { ErrorCode, MeshError } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { parsePolicyYaml } from './parse.ts';

// As Linkerd's docs show them (dynamic request routing, retries, timeouts, rate limiting).
const LINKERD_EXAMPLES = `
apiVersion: policy.linkerd.io/v1beta3
kind: HTTPRoute
metadata:
  name: backend-router
  namespace: test
spec:
  parentRefs:
    - name: backend-a-podinfo
      kind: Service
      group: core
      port: 9898
  rules:
    - matches:
      - headers:
        - name: "x-request-id"
          value: "alternative"
      backendRefs:
        - name: "backend-b-podinfo"
          port: 9898
    - backendRefs:
      - name: "backend-a-podinfo"
        port: 9898
---
kind: HTTPRoute
apiVersion: gateway.networking.k8s.io/v1
metadata:
  name: schlep-default
  namespace: schlep
  annotations:
    retry.linkerd.io/http: 5xx
    retry.linkerd.io/limit: "2"
    retry.linkerd.io/timeout: 300ms
spec:
  parentRefs:
    - name: schlep
      kind: Service
      group: core
      port: 80
  rules:
    - matches:
      - path:
          type: PathPrefix
          value: "/"
---
kind: GRPCRoute
apiVersion: gateway.networking.k8s.io/v1
metadata:
  name: schlep-grpc
  namespace: schlep
  annotations:
    retry.linkerd.io/grpc: internal
    timeout.linkerd.io/request: 1s
spec:
  parentRefs:
    - name: schlep
      kind: Service
      group: core
      port: 8080
  rules:
    - matches:
      - method:
          type: Exact
          service: schlep.Schlep
          method: Get
---
apiVersion: policy.linkerd.io/v1alpha1
kind: HTTPLocalRateLimitPolicy
metadata:
  namespace: emojivoto
  name: web-rl
spec:
  targetRef:
    group: policy.linkerd.io
    kind: Server
    name: web-http
  total:
    requestsPerSecond: 100
  identity:
    requestsPerSecond: 20
  overrides:
  - requestsPerSecond: 25
    clientRefs:
    - kind: ServiceAccount
      namespace: emojivoto
      name: special-client
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  creationTimestamp: null
  name: path-matching-order
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: infra-backend-v1
    kind: Service
    group: ""
  rules:
  - backendRefs:
    - name: infra-backend-v1
      port: 8080
    matches:
    - path:
        type: Exact
        value: /match
    timeouts:
      request: 10s
      backendRequest: 500ms
`;

function refusal(yaml: string): string {
  try {
    parsePolicyYaml(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe(ErrorCode.invalidInput);
    return (err as MeshError).message;
  }
  throw new Error('expected the YAML to be refused');
}

describe('parsePolicyYaml', () => {
  it("accepts Linkerd's and Gateway API's example manifests as they are written", () => {
    const docs = parsePolicyYaml(LINKERD_EXAMPLES);
    expect(docs.map((d) => `${d.apiVersion} ${d.kind} ${d.metadata.namespace}/${d.metadata.name}`)).toEqual([
      'policy.linkerd.io/v1beta3 HTTPRoute test/backend-router',
      'gateway.networking.k8s.io/v1 HTTPRoute schlep/schlep-default',
      'gateway.networking.k8s.io/v1 GRPCRoute schlep/schlep-grpc',
      'policy.linkerd.io/v1alpha1 HTTPLocalRateLimitPolicy emojivoto/web-rl',
      'gateway.networking.k8s.io/v1 HTTPRoute gateway-conformance-infra/path-matching-order',
    ]);
  });

  it('names the document and the field of a schema error', () => {
    const message = refusal(`
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: split, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs: [{ name: inventory, port: 8080 }]
    - backendRefs: [{ name: inventory-v2, port: 99999 }]
`);
    expect(message).toMatch(/^HTTPRoute demo\/split: spec\.rules\[1\]\.backendRefs\[0\]\.port: /);
  });

  it('names an unknown kind, a document without a name by its position, and a YAML syntax error', () => {
    expect(refusal('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n')).toMatch(
      /ConfigMap default\/x: kind: "ConfigMap" is not a policy kind/,
    );
    expect(
      refusal(
        'apiVersion: v1\nkind: Service\nmetadata: { name: web }\n---\napiVersion: policy.weft.dev/v1alpha1\nkind: HTTPFault\nspec: {}\n',
      ),
    ).toMatch(/^document 2: metadata: /);
    expect(refusal('kind: [unclosed')).toMatch(/^document 1: YAML: /);
  });

  it('refuses a Service document with a spec, and the same document twice', () => {
    expect(
      refusal(
        'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: demo }\nspec: { ports: [] }\n',
      ),
    ).toMatch(/Service demo\/web: spec: a Service in a policy carries only metadata.annotations/);
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: demo }\n';
    expect(refusal(`${svc}---\n${svc}`)).toMatch(/Service demo\/web: appears twice/);
  });
});
