import type { HTTPRoute, Service, ServiceAnnotations } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { editTarget, formFromYaml, initialForm, initialYaml, yamlWithForm } from './route-form.ts';
import type { ServicePolicies } from './service-policies.ts';

const service: Service = {
  namespace: 'demo',
  name: 'inventory',
  clusterIP: '127.20.0.3',
  ports: [{ port: 8080, targetPort: 8080, protocol: 'TCP' }],
  selector: { app: 'inventory' },
};
const none: ServicePolicies = { routes: [], overlay: undefined, faults: [], rateLimits: [] };

const SPLIT = `# the canary split
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: inventory-split
  namespace: demo
spec:
  parentRefs:
    - { group: core, kind: Service, name: inventory, port: 8080 }
  rules:
    - backendRefs:
        - { name: inventory, port: 8080, weight: 90 }
        - { name: inventory-v2, port: 8080, weight: 10 }
`;
const target = { namespace: 'demo', service: 'inventory', route: 'inventory-split' };

describe('the editor document', () => {
  it('starts a Service without a route with one sending all its traffic to itself', () => {
    const t = editTarget(service, none);
    expect(t.route).toBe('inventory-route');
    const form = formFromYaml(initialYaml(service, none), t).form;
    expect(form?.backends).toEqual([{ name: 'inventory', port: 8080, weight: 100 }]);
    expect(form?.retryOn).toBe('');
  });

  it('reads the form from the YAML', () => {
    const form = formFromYaml(SPLIT, target).form;
    expect(form?.backends.map((b) => `${b.name}=${b.weight}`)).toEqual(['inventory=90', 'inventory-v2=10']);
    expect(form?.pathMatch).toBeNull();
    expect(form?.timeout).toBe('');
  });

  it('writes only the changed fields back, keeping comments', () => {
    const form = formFromYaml(SPLIT, target).form;
    if (!form) throw new Error('no form');
    const next = yamlWithForm(
      SPLIT,
      {
        ...form,
        backends: form.backends.map((b, i) => ({ ...b, weight: i === 0 ? 50 : 50 })),
        timeout: '2s',
      },
      target,
    );
    expect(next).toContain('# the canary split');
    expect(next).toContain('{ name: inventory-v2, port: 8080, weight: 50 }');
    expect(formFromYaml(next, target).form?.timeout).toBe('2s');
    // Unchanged fields are left as written.
    expect(next).toContain('- { group: core, kind: Service, name: inventory, port: 8080 }');
  });

  it('adds a Service document for retries and removes the annotations when cleared', () => {
    const form = formFromYaml(SPLIT, target).form;
    if (!form) throw new Error('no form');
    const withRetries = yamlWithForm(SPLIT, { ...form, retryOn: '5xx', retryLimit: '2' }, target);
    expect(withRetries).toContain('---\n');
    expect(withRetries).toContain('retry.weft.dev/http: 5xx');
    const back = formFromYaml(withRetries, target).form;
    expect(back?.retryLimit).toBe('2');
    if (!back) throw new Error('no form');
    const cleared = yamlWithForm(withRetries, { ...back, retryOn: '', retryLimit: '' }, target);
    expect(cleared).not.toContain('retry.weft.dev');
  });

  it('keeps a weight the controller will refuse, so the controller can say why', () => {
    const form = formFromYaml(SPLIT, target).form;
    if (!form) throw new Error('no form');
    const next = yamlWithForm(
      SPLIT,
      { ...form, backends: [{ name: 'inventory', port: 8080, weight: -1 }] },
      target,
    );
    expect(next).toContain('weight: -1');
  });

  it('sets and removes a path match', () => {
    const form = formFromYaml(SPLIT, target).form;
    if (!form) throw new Error('no form');
    const regex = yamlWithForm(
      SPLIT,
      { ...form, pathMatch: { type: 'RegularExpression', value: '/items/(' } },
      target,
    );
    expect(formFromYaml(regex, target).form?.pathMatch).toEqual({
      type: 'RegularExpression',
      value: '/items/(',
    });
    const again = formFromYaml(regex, target).form;
    if (!again) throw new Error('no form');
    expect(yamlWithForm(regex, { ...again, pathMatch: null }, target)).not.toContain('matches');
  });

  it('says why there is no form for YAML that does not parse or lacks the route', () => {
    expect(formFromYaml('kind: [', target).error).toMatch(/does not parse/);
    expect(formFromYaml(SPLIT.replace('inventory-split', 'other'), target).error).toMatch(
      /no HTTPRoute named inventory-split/,
    );
  });
  it('gives the starting form as reading the starting YAML would', () => {
    const route: HTTPRoute = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'inventory-split', namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: {
        parentRefs: [{ group: 'core', kind: 'Service', name: 'inventory', port: 8080 }],
        rules: [
          {
            matches: [{ path: { type: 'Exact', value: '/items' } }],
            backendRefs: [
              { name: 'inventory', port: 8080, weight: 90 },
              { name: 'inventory-v2', port: 8080 },
            ],
            timeouts: { request: '2s' },
          },
          { backendRefs: [{ name: 'inventory', port: 8080, weight: 1 }] },
        ],
      },
    } as HTTPRoute;
    const overlay = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'inventory',
        namespace: 'demo',
        annotations: { 'retry.weft.dev/http': '5xx', 'retry.weft.dev/limit': '2' },
      },
    } as ServiceAnnotations;
    for (const policies of [
      none,
      { ...none, routes: [route] },
      { ...none, routes: [route], overlay },
      { ...none, overlay },
    ]) {
      const read = formFromYaml(initialYaml(service, policies), editTarget(service, policies));
      expect(initialForm(service, policies)).toEqual(read);
    }
    expect(initialForm(service, { ...none, routes: [route], overlay }).form).toMatchObject({
      backends: [
        { name: 'inventory', port: 8080, weight: 90 },
        { name: 'inventory-v2', port: 8080, weight: 1 },
      ],
      pathMatch: { type: 'Exact', value: '/items' },
      timeout: '2s',
      retryOn: '5xx',
      retryLimit: '2',
    });
  });
});
