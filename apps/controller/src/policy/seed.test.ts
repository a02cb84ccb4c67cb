/** The manifests' `policies/` folder is applied at first start only; a bad file applies nothing and is reported. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../state/store.ts';
import { seedPolicies } from './seed.ts';
import { PolicyService } from './service.ts';
import { MemoryPlatform, tempStateDir } from './test-util.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(files: Record<string, string>) {
  const manifests = tempStateDir();
  const state = tempStateDir();
  dirs.push(manifests, state);
  mkdirSync(join(manifests, 'policies'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(manifests, 'policies', name), text);
  const open = () =>
    new PolicyService({ platform: new MemoryPlatform().asPlatform(), state: new StateStore(state) });
  return { manifests, open };
}

const RETRIES = (name: string, value: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: demo\n  annotations: { retry.weft.dev/http: "${value}" }\n`;

describe('seedPolicies', () => {
  it('applies every YAML file of policies/ as one revision when the store is empty, and never again', () => {
    const { manifests, open } = setup({
      'a.yaml': RETRIES('catalog', '5xx'),
      'b.yml': RETRIES('web', '502'),
      'notes.txt': 'x',
    });
    const policy = open();
    expect(seedPolicies(policy, manifests)).toEqual({ applied: 2, revision: 1 });
    policy.delete({ kind: 'Service', namespace: 'demo', name: 'web' });
    policy.close();
    const restarted = open();
    expect(seedPolicies(restarted, manifests)).toEqual({
      skipped: 'the policy store already has revision 2',
    });
    expect(restarted.list().map((i) => i.document.metadata.name)).toEqual(['catalog']);
    restarted.close();
  });

  it('applies nothing and reports the problem when a file is bad', () => {
    const { manifests, open } = setup({
      'a.yaml': RETRIES('catalog', '5xx'),
      'b.yaml': RETRIES('web', 'sometimes'),
    });
    const policy = open();
    const result = seedPolicies(policy, manifests);
    expect(result).toEqual({
      error: expect.stringContaining('Service demo/web: metadata.annotations["retry.weft.dev/http"]'),
    });
    expect(policy.revision).toBe(0);
    policy.close();
  });
});
