/**
 * `npm run manifests [-- --namespace weft --version 0.1.0 --registry ghcr.io/weft]`:
 * prints the install manifests as one multi-document YAML stream, for `kubectl apply -f -`.
 * Each run makes a new webhook certificate (its Secret and caBundle agree).
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { installManifests } from './manifests.ts';

try {
  const { values } = parseArgs({
    options: { namespace: { type: 'string' }, version: { type: 'string' }, registry: { type: 'string' } },
  });
  const objects = await installManifests({
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.version ? { version: values.version } : {}),
    ...(values.registry ? { registry: values.registry } : {}),
  });
  process.stdout.write(objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
} catch (err) {
  console.error(`manifests: ${(err as Error).message}`);
  process.exit(2);
}
