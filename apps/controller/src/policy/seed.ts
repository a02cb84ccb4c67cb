/**
 * Policies shipped beside the manifests: at start, when the store has no revision yet,
 * the `*.yaml`/`*.yml` files of the manifest directory's `policies/` folder are applied
 * as one revision. A bad file is reported and nothing is applied; the controller runs on.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PolicyService } from './service.ts';

/** The folder, inside the manifest directory, applied at first start. */
export const POLICY_SEED_FOLDER = 'policies';

export type SeedResult = { applied: number; revision: number } | { skipped: string } | { error: string };

export function seedPolicies(service: PolicyService, manifestsDir: string): SeedResult {
  if (!service.empty) return { skipped: `the policy store already has revision ${service.revision}` };
  const dir = join(manifestsDir, POLICY_SEED_FOLDER);
  if (!existsSync(dir)) return { skipped: `${dir} does not exist` };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  if (files.length === 0) return { skipped: `${dir} holds no YAML file` };
  const yaml = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n---\n');
  try {
    const result = service.apply(yaml, { author: 'local' });
    return { applied: result.diff.length, revision: result.revision };
  } catch (err) {
    return { error: `${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
