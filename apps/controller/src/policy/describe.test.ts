/**
 * A change in words: splits, timeouts, retries and authorization as a user reads them,
 * invalid YAML reported as a dry-run apply reports it (and nothing stored), and a
 * revision described against the one before it.
 */
import { rmSync } from 'node:fs';
import type { Workload } from '@weft/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store.ts';
import { describeChange, describeRevision, describeRollback } from './describe.ts';
import { PolicyService } from './service.ts';
import { demoWorkloads, MemoryPlatform, tempStateDir } from './test-util.ts';

const SPLIT = (v1: number, v2: number) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: split, namespace: demo }
spec:
  parentRefs: [{ name: inventory, kind: Service, port: 8080 }]
  rules:
    - backendRefs: [{ name: inventory, port: 8080, weight: ${v1} }, { name: inventory-v2, port: 8080, weight: ${v2} }]
`;
const TIMEOUT = (t: string) => `
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: catalog-api, namespace: demo }
spec:
  parentRefs: [{ name: catalog, kind: Service, port: 8080 }]
  rules:
    - matches: [{ method: GET, path: { type: PathPrefix, value: /api } }]
      timeouts: { request: ${t} }
`;
const ONLY_WEB_TO_CATALOG = `
apiVersion: policy.weft.dev/v1alpha1
kind: Server
metadata: { name: catalog-http, namespace: demo }
spec:
  podSelector: { matchLabels: { app: catalog } }
  port: http
---
apiVersion: policy.weft.dev/v1alpha1
kind: MeshTLSAuthentication
metadata: { name: web, namespace: demo }
spec:
  identityRefs: [{ kind: ServiceAccount, name: web }]
---
apiVersion: policy.weft.dev/v1alpha1
kind: AuthorizationPolicy
metadata: { name: catalog-from-web, namespace: demo }
spec:
  targetRef: { group: policy.weft.dev, kind: Server, name: catalog-http }
  requiredAuthenticationRefs: [{ group: policy.weft.dev, kind: MeshTLSAuthentication, name: web }]
`;

const dirs: string[] = [];
function open() {
  const dir = tempStateDir();
  dirs.push(dir);
  const platform = new MemoryPlatform();
  return {
    platform,
    policy: new PolicyService({ platform: platform.asPlatform(), state: new StateStore(dir) }),
  };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const texts = (d: { sentences: { subject: string; text: string }[] }) =>
  d.sentences.map((s) => `${s.subject}: ${s.text}`);

describe('describeChange', () => {
  it('says a new split as the share each backend gets, and names the document added', () => {
    const { policy, platform } = open();
    const d = describeChange(policy, platform.asPlatform(), SPLIT(80, 20));
    expect(d).toMatchObject({ valid: true, errors: [], revision: 1, previous: 0 });
    expect(texts(d)).toEqual([
      'demo/inventory:8080: split 100/0 → 80/20 to inventory-v2',
      'HTTPRoute demo/split: added',
    ]);
    expect(policy.revision).toBe(0);
  });

  it('says a changed split from the live weights to the new ones', () => {
    const { policy, platform } = open();
    policy.apply(SPLIT(90, 10));
    const d = describeChange(policy, platform.asPlatform(), SPLIT(80, 20));
    expect(texts(d)).toEqual([
      'demo/inventory:8080: split 90/10 → 80/20 to inventory-v2',
      'HTTPRoute demo/split: changed: spec.rules[0].backendRefs[0].weight, spec.rules[0].backendRefs[1].weight',
    ]);
    expect(d.sentences[0]?.kind).toBe('changed');
  });

  it('says a timeout change on the requests the route matches', () => {
    const { policy, platform } = open();
    policy.apply(TIMEOUT('1s'));
    const d = describeChange(policy, platform.asPlatform(), TIMEOUT('2s'));
    expect(texts(d)[0]).toBe('demo/catalog:8080: request timeout on GET /api 1 s → 2 s');
  });

  it('says which callers become denied when a Server lets in only web', () => {
    const { policy, platform } = open();
    const d = describeChange(policy, platform.asPlatform(), ONLY_WEB_TO_CATALOG);
    const t = texts(d);
    expect(t).toContain(
      'demo/catalog:8080: authorization default policy all-unauthenticated → Server catalog-http, 1 rule',
    );
    expect(t).toContain('demo/inventory → demo/catalog: becomes denied on port 8080');
    expect(t).toContain('demo/inventory-v2 → demo/catalog: becomes denied on port 8080');
    // web stays allowed: no sentence about it.
    expect(t.filter((s) => s.startsWith('demo/web → demo/catalog'))).toEqual([]);
  });

  it('says a rate limit on the port of the workload behind the Service', () => {
    const { policy, platform } = open();
    const d = describeChange(
      policy,
      platform.asPlatform(),
      `
apiVersion: policy.weft.dev/v1alpha1
kind: HTTPLocalRateLimitPolicy
metadata: { name: rl, namespace: demo }
spec:
  targetRef: { kind: Service, name: inventory }
  total: { requestsPerSecond: 100 }
  identity: { requestsPerSecond: 20 }
`,
    );
    expect(texts(d)).toEqual([
      'demo/inventory:8080: rate limit none → 100 rps in total, 20 rps per caller',
      'HTTPLocalRateLimitPolicy demo/rl: added',
    ]);
    expect(d.sentences[0]?.kind).toBe('added');
  });

  it('stops judging callers at its bound on a mesh-wide change, and says how many it left', () => {
    const { policy, platform } = open();
    platform.services = Array.from({ length: 240 }, (_, i) => ({
      namespace: 'demo',
      name: `s${i}`,
      clusterIP: `127.20.1.${i}`,
      ports: [{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' as const }],
      selector: { app: `s${i}` },
    }));
    const base = demoWorkloads()[0] as Workload;
    platform.workloads = platform.services.map((s) => ({
      ...base,
      name: s.name,
      labels: { app: s.name },
      serviceAccount: s.name,
    }));
    const d = describeChange(
      policy,
      platform.asPlatform(),
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: demo, annotations: { config.weft.dev/default-inbound-policy: deny } }\n',
    );
    const t = texts(d);
    // 240 ports change; 240 × 239 caller verdicts would, of which 50,000 are judged and 100 said.
    expect(
      t.filter((x) => x.includes('authorization default policy all-unauthenticated → default policy deny')),
    ).toHaveLength(240);
    expect(t.filter((x) => x.endsWith('becomes denied on port 8080'))).toHaveLength(100);
    expect(t).toContain('callers: and 49900 more caller verdicts change');
    expect(t).toContain(
      'callers: 7360 more caller verdicts were not checked (at most 50000 per description)',
    );
  });

  it('reports invalid YAML as a dry-run apply does, and stores nothing', () => {
    const { policy, platform } = open();
    const d = describeChange(
      policy,
      platform.asPlatform(),
      SPLIT(90, 10).replace('name: inventory-v2', 'name: inventory-v9'),
    );
    expect(d.valid).toBe(false);
    expect(d.errors.map((e) => `${e.path}: ${e.reason}`)).toEqual([
      'spec.rules[0].backendRefs[1].name: BackendNotFound',
    ]);
    expect(
      policy.apply(SPLIT(90, 10).replace('name: inventory-v2', 'name: inventory-v9'), { dryRun: true })
        .errors,
    ).toEqual(d.errors);
    expect(policy.revision).toBe(0);
  });
});

describe('describeRevision', () => {
  it('describes a revision against the one before it, and the first against nothing', () => {
    const { policy, platform } = open();
    policy.apply(SPLIT(90, 10));
    policy.apply(SPLIT(50, 50));
    expect(texts(describeRevision(policy, platform.asPlatform(), 2))[0]).toBe(
      'demo/inventory:8080: split 90/10 → 50/50 to inventory-v2',
    );
    const first = describeRevision(policy, platform.asPlatform(), 1);
    expect(first.previous).toBe(0);
    expect(texts(first)[0]).toBe('demo/inventory:8080: split 100/0 → 90/10 to inventory-v2');
  });

  it('describes a rollback from the live revision, as its own revision will be', () => {
    const { policy, platform } = open();
    policy.apply(SPLIT(90, 10));
    policy.apply(SPLIT(50, 50));
    const preview = describeRollback(policy, platform.asPlatform(), 1);
    expect(preview).toMatchObject({ revision: 3, previous: 2 });
    expect(texts(preview)[0]).toBe('demo/inventory:8080: split 50/50 → 90/10 to inventory-v2');
    expect(policy.revision).toBe(2);
    policy.rollback(1);
    expect(texts(describeRevision(policy, platform.asPlatform(), 3))).toEqual(texts(preview));
  });

  it('says so when the revision before is no longer kept', () => {
    const dir = tempStateDir();
    dirs.push(dir);
    const platform = new MemoryPlatform();
    const policy = new PolicyService({
      platform: platform.asPlatform(),
      state: new StateStore(dir),
      maxRevisions: 1,
    });
    policy.apply(SPLIT(90, 10));
    policy.apply(SPLIT(50, 50));
    const d = describeRevision(policy, platform.asPlatform(), 2);
    expect(d.previous).toBeNull();
    expect(texts(d)).toEqual([
      'revision 2: revision 1 is no longer kept, so what this one changed is not known',
    ]);
  });
});
