/** The demo's example policies (`examples/demo/policies/`) apply cleanly to the demo's own Services. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Service } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { readManifestDir } from '../platform/local/manifests.ts';
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
    ports: s.ports.map((p) => ({ port: p.port, targetPort: 8080, protocol: p.protocol })),
  }));
}

describe('example policies', () => {
  it('validate against the demo manifests and compile to a 90/10 split of inventory', () => {
    const dir = `${DEMO}policies`;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(['fault.yaml', 'retries.yaml', 'split.yaml', 'timeout.yaml']);
    const docs = parsePolicyYaml(files.map((f) => readFileSync(`${dir}/${f}`, 'utf8')).join('\n---\n'));
    const services = demoServices();
    expect(validatePolicies(docs, services)).toEqual([]);
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
});
