/** Every validation problem names its document, field path and reason; statuses carry Gateway API conditions. */
import { describePolicyIssue, type PolicyDocument } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { parsePolicyYaml } from './parse.ts';
import { demoServices, demoWorkloads } from './test-util.ts';
import { statusOf, validatePolicies } from './validate.ts';

function problems(yaml: string): string[] {
  return validatePolicies(parsePolicyYaml(yaml), demoServices(), demoWorkloads()).map(describePolicyIssue);
}

const route = (name: string, body: string, annotations = '') => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: demo
${annotations}
spec:
  parentRefs: [{ name: inventory, kind: Service, group: core, port: 8080 }]
  rules:
${body}
---`;

describe('validatePolicies', () => {
  it('accepts a 90/10 split between two Services', () => {
    expect(
      problems(
        route(
          'split',
          '    - backendRefs: [{ name: inventory, port: 8080, weight: 90 }, { name: inventory-v2, port: 8080, weight: 10 }]',
        ),
      ),
    ).toEqual([]);
  });

  it('names a backendRef to a missing Service or port', () => {
    expect(
      problems(
        route(
          'split',
          `    - backendRefs: [{ name: inventory, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /v2 } }]
      backendRefs: [{ name: nowhere, port: 8080 }, { name: inventory-v2, port: 9090 }]`,
        ),
      ),
    ).toEqual([
      'HTTPRoute demo/split: spec.rules[1].backendRefs[0].name: Service demo/nowhere does not exist',
      'HTTPRoute demo/split: spec.rules[1].backendRefs[1].port: Service demo/inventory-v2 has no port 9090 (it has 8080)',
    ]);
  });

  it('names a missing parent Service and a parent port the Service lacks', () => {
    const yaml = `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: lost, namespace: demo }
spec:
  parentRefs: [{ name: ghost, kind: Service }, { name: inventory, kind: Service, port: 81 }, { name: gw }, { name: web, kind: Service, sectionName: grpc }]
`;
    expect(problems(yaml)).toEqual([
      'HTTPRoute demo/lost: spec.parentRefs[0].name: Service demo/ghost does not exist',
      'HTTPRoute demo/lost: spec.parentRefs[1].port: Service demo/inventory has no port 81 (it has 8080 (http))',
      'HTTPRoute demo/lost: spec.parentRefs[2].kind: parent kind "Gateway" is not supported; attach to a Service with kind: Service (GAMMA), or to a Server (group policy.weft.dev or policy.linkerd.io) for per-route authorization',
      'HTTPRoute demo/lost: spec.parentRefs[3].sectionName: Service demo/web has no port named "grpc" (it has 80 (http))',
    ]);
  });

  it('names regexes that do not compile, all weights 0, unsupported filters and unknown annotation values', () => {
    const yaml = route(
      'bad',
      `    - matches: [{ path: { type: RegularExpression, value: "/items/(" }, headers: [{ name: x, type: RegularExpression, value: "[" }] }]
      backendRefs: [{ name: inventory, port: 8080, weight: 0 }, { name: inventory-v2, port: 8080, weight: 0 }]
      filters: [{ type: URLRewrite }]`,
      `  annotations:
    retry.weft.dev/http: 5xx,teapot
    retry.linkerd.io/limit: "many"
    timeout.weft.dev/request: soon
    retry.weft.dev/budget: "1"`,
    );
    const found = problems(yaml);
    expect(found).toEqual([
      expect.stringMatching(
        /^HTTPRoute demo\/bad: spec\.rules\[0\]\.matches\[0\]\.path\.value: regular expression "\/items\/\(" does not compile/,
      ),
      expect.stringMatching(
        /^HTTPRoute demo\/bad: spec\.rules\[0\]\.matches\[0\]\.headers\[0\]\.value: regular expression "\[" does not compile/,
      ),
      'HTTPRoute demo/bad: spec.rules[0].filters[0].type: filter "URLRewrite" is not supported here; use RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect',
      'HTTPRoute demo/bad: spec.rules[0].backendRefs: every backendRef has weight 0, so no request could be sent anywhere',
      'HTTPRoute demo/bad: metadata.annotations["retry.weft.dev/budget"]: unknown annotation; retry.weft.dev/ takes http, grpc, limit, timeout',
      'HTTPRoute demo/bad: metadata.annotations["retry.weft.dev/http"]: "teapot" is not 5xx, gateway-error, a status code (500) or a range (500-504)',
      'HTTPRoute demo/bad: metadata.annotations["retry.linkerd.io/limit"]: "many" must be a whole number from 0 to 10',
      'HTTPRoute demo/bad: metadata.annotations["timeout.weft.dev/request"]: "soon" is not a duration such as 500ms, 10s or 1m',
    ]);
  });

  it('finds a rule shadowed by an identical match in an older route and by a broader prefix in the same route', () => {
    const docs = parsePolicyYaml(
      `${route('first', '    - matches: [{ path: { type: PathPrefix, value: /api }, method: GET }]\n      backendRefs: [{ name: inventory-v2, port: 8080 }]')}
${route(
  'second',
  `    - matches: [{ path: { type: PathPrefix, value: /api }, method: GET }]
      backendRefs: [{ name: inventory, port: 8080 }]
    - matches: [{ path: { type: PathPrefix, value: /items }, headers: [{ name: x-canary, value: "1" }] }]
    - matches: [{ path: { type: PathPrefix, value: /items }, headers: [{ name: x-canary, value: "1" }] }, { path: { type: Exact, value: /other } }]
    - matches: [{ path: { type: PathPrefix, value: /items }, headers: [{ name: X-Canary, value: "1" }] }]`,
)}`,
    ).map(
      (d, i): PolicyDocument => ({
        ...d,
        metadata: { ...d.metadata, creationTimestamp: `2026-01-0${i + 1}T00:00:00Z` },
      }),
    );
    const issues = validatePolicies(docs, demoServices(), demoWorkloads()).map(describePolicyIssue).sort();
    expect(issues).toEqual([
      'HTTPRoute demo/second: spec.rules[0]: no request on Service demo/inventory:8080 can reach this rule: HTTPRoute demo/first rule 0 matches the same requests (identically or more broadly) and takes precedence',
      'HTTPRoute demo/second: spec.rules[3]: no request on Service demo/inventory:8080 can reach this rule: HTTPRoute demo/second rule 1 matches the same requests (identically or more broadly) and takes precedence',
    ]);
  });

  it('checks what faults, rate limits and Service annotations point at', () => {
    const yaml = `
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPFault
metadata: { name: f, namespace: demo }
spec:
  targetRef: { kind: HTTPRoute, name: missing }
  abort: { percentage: 10, httpStatus: 503 }
---
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPLocalRateLimitPolicy
metadata: { name: rl, namespace: demo }
spec:
  targetRef: { kind: Service, name: inventory, port: 9999 }
  total: { requestsPerSecond: 10 }
---
apiVersion: v1
kind: Service
metadata:
  name: inventory
  namespace: demo
  annotations:
    balancer.linkerd.io/failure-accrual: consecutive
    balancer.linkerd.io/failure-accrual-consecutive-min-penalty: 10s
    balancer.linkerd.io/failure-accrual-consecutive-max-penalty: 5s
`;
    const docs = parsePolicyYaml(yaml);
    const issues = validatePolicies(docs, demoServices(), demoWorkloads());
    expect(issues.map(describePolicyIssue)).toEqual([
      'HTTPFault demo/f: spec.targetRef.name: HTTPRoute demo/missing does not exist',
      'HTTPLocalRateLimitPolicy demo/rl: spec.targetRef.port: Service demo/inventory has no port 9999 (it has 8080)',
      'Service demo/inventory: metadata.annotations["balancer.linkerd.io/failure-accrual-consecutive-max-penalty"]: the maximum penalty must not be shorter than the minimum penalty',
    ]);
    const fault = docs[0] as PolicyDocument;
    expect(statusOf(fault, issues).conditions).toEqual([
      { type: 'Accepted', status: 'True', reason: 'Accepted', message: '' },
      {
        type: 'ResolvedRefs',
        status: 'False',
        reason: 'TargetNotFound',
        message: 'spec.targetRef.name: HTTPRoute demo/missing does not exist',
      },
    ]);
  });
});
