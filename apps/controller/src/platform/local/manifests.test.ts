import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifests, readManifestDir, resolvePort } from './manifests.ts';

const DEMO = fileURLToPath(new URL('../../../../../examples/demo/manifests', import.meta.url));

const deployment = (extra = '') => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: shop/web:1
          command: [node, server.js]
          ports: [{ name: http, containerPort: 8080 }]
${extra}`;

describe('parseManifests', () => {
  it('reads several documents of several kinds from one file', () => {
    const text = `${deployment()}
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: http }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: ignored }
---
`;
    const m = parseManifests(text, 'shop.yaml');
    expect(m.deployments).toHaveLength(1);
    expect(m.deployments[0]).toMatchObject({
      namespace: 'shop',
      name: 'web',
      replicas: 3,
      serviceAccount: 'default',
    });
    expect(m.deployments[0]?.container.command).toEqual(['node', 'server.js']);
    expect(m.services).toEqual([
      {
        namespace: 'shop',
        name: 'web',
        selector: { app: 'web' },
        ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    ]);
  });

  it('names the file, document, object and field of a bad document', () => {
    const bad = deployment().replace('containerPort: 8080', 'containerPort: 99999');
    expect(() => parseManifests(`---\n${bad}`, 'bad.yaml')).toThrow(
      /bad\.yaml document 1 \(Deployment web\): spec\.template\.spec\.containers\.0\.ports\.0\.containerPort/,
    );
  });

  it('rejects a selector that does not match the pod labels', () => {
    const bad = deployment().replace(
      'selector: { matchLabels: { app: web } }',
      'selector: { matchLabels: { app: api } }',
    );
    expect(() => parseManifests(bad, 'x.yaml')).toThrow(/matchLabels does not match/);
  });

  it('reports YAML syntax errors with the document', () => {
    expect(() => parseManifests('kind: Deployment\nmetadata: [oops', 'y.yaml')).toThrow(/y\.yaml document 1/);
  });

  it('resolves named and numeric ports', () => {
    const c = parseManifests(deployment(), 'x.yaml').deployments[0]?.container;
    if (!c) throw new Error('no container');
    expect(resolvePort(c, 'http')).toBe(8080);
    expect(resolvePort(c, 9000)).toBe(9000);
    expect(resolvePort(c, 'nope')).toBeUndefined();
  });

  it('reads the demo application as it is', () => {
    const m = readManifestDir(DEMO);
    expect(m.deployments.map((d) => `${d.namespace}/${d.name}`).sort()).toEqual([
      'demo/catalog',
      'demo/inventory',
      'demo/inventory-v2',
      'demo/traffic',
      'demo/web',
      'reviews/ratings',
    ]);
    expect(m.services.length).toBeGreaterThanOrEqual(4);
    expect(m.namespaces.sort()).toEqual(['demo', 'reviews']);
    expect(readFileSync(`${DEMO}/demo.yaml`, 'utf8')).toContain('kind: Deployment');
  });
});
