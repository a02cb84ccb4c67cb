/** The demo's example policies (`examples/demo/policies/`) apply cleanly to the demo's own Services. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Service, Workload } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { readManifestDir } from '../platform/local/manifests.ts';
import { AuthzCompiler, DEFAULT_AUTHZ_SETTINGS } from './compile-authz.ts';
import { compileOutbound } from './compile-outbound.ts';
import { parsePolicyYaml } from './parse.ts';
import { validatePolicies } from './validate.ts';

const DEMO = fileURLToPath(new URL('../../../../examples/demo/', import.meta.url));

function demoServices(): Service[] {
  return readManifestDir(`${DEMO}manifests`).services.map((s, i) => ({
    namespace: s.namespace,
    name: s.name,
    clusterIP: `127.20.0.${i + 1}`,
    selector: s.selector,
    ports: s.ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      targetPort: 8080,
      protocol: p.protocol,
    })),
  }));
}

function demoWorkloads(): Workload[] {
  return readManifestDir(`${DEMO}manifests`).deployments.map((d) => ({
    namespace: d.namespace,
    name: d.name,
    kind: 'Deployment',
    labels: d.podLabels,
    serviceAccount: d.serviceAccount,
    replicas: d.replicas,
    readyReplicas: d.replicas,
    meshedReplicas: d.replicas,
    meshed: true,
    meshState: 'meshed',
    createdAt: '2026-01-01T00:00:00.000Z',
  }));
}

describe('example policies', () => {
  it('validate against the demo manifests and compile to a 90/10 split of inventory', () => {
    const dir = `${DEMO}policies`;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['fault.yaml', 'retries.yaml', 'split.yaml', 'timeout.yaml']);
    const docs = parsePolicyYaml(files.map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n---\n'));
    const services = demoServices();
    expect(validatePolicies(docs, services, demoWorkloads())).toEqual([]);
    const inventory = compileOutbound(docs, services, 1).get('demo/inventory:8080');
    expect(inventory?.routes[0]?.backends.map((b) => [b.service.name, b.weight])).toEqual([
      ['inventory', 90],
      ['inventory-v2', 10],
    ]);
    expect(inventory?.routes[0]?.retry).toEqual({
      httpStatuses: [{ min: 500, max: 599 }],
      grpcCodes: [],
      limit: 2,
      timeoutMs: 300,
    });
  });

  it("authz/web-to-catalog.yaml lets only web's identity call catalog", () => {
    const text = readFileSync(`${DEMO}policies/authz/web-to-catalog.yaml`, 'utf8');
    const docs = parsePolicyYaml(text);
    const services = demoServices();
    const workloads = demoWorkloads();
    expect(validatePolicies(docs, services, workloads)).toEqual([]);
    const authz = new AuthzCompiler(docs, services, DEFAULT_AUTHZ_SETTINGS);
    const catalog = workloads.find((w) => w.name === 'catalog');
    expect(authz.plan(catalog, 'demo', 'catalog', 8080)).toEqual({
      serverKind: 'server',
      serverName: 'catalog-http',
      protocol: 'HTTP/1',
      rules: [
        {
          kind: 'AuthorizationPolicy',
          namespace: 'demo',
          name: 'catalog-from-web',
          identities: ['web.demo.serviceaccount.identity.weft.cluster.local'],
          networks: null,
        },
      ],
      routes: [],
      audit: false,
    });
    const web = workloads.find((w) => w.name === 'web');
    expect(authz.plan(web, 'demo', 'web', 8080).serverName).toBe('default:all-unauthenticated');
  });

  it('authz/catalog-routes.yaml opens /books to web and /healthz to cluster addresses', () => {
    const docs = parsePolicyYaml(readFileSync(`${DEMO}policies/authz/catalog-routes.yaml`, 'utf8'));
    const services = demoServices();
    const workloads = demoWorkloads();
    expect(validatePolicies(docs, services, workloads)).toEqual([]);
    const catalog = workloads.find((w) => w.name === 'catalog');
    const plan = new AuthzCompiler(docs, services, DEFAULT_AUTHZ_SETTINGS).plan(
      catalog,
      'demo',
      'catalog',
      8080,
    );
    expect(plan.rules).toEqual([]);
    expect(
      plan.routes.map((r) => [
        r.name,
        r.matches[0]?.path?.value,
        r.matches[0]?.method ?? '*',
        r.rules.map((x) => x.name),
      ]),
    ).toEqual([
      ['catalog-health', '/healthz', '*', ['health-from-cluster']],
      ['catalog-books', '/books', 'GET', ['books-from-web']],
    ]);
    expect(plan.routes[1]?.rules[0]?.identities).toEqual([
      'web.demo.serviceaccount.identity.weft.cluster.local',
    ]);
  });
});
