/**
 * `npm run manifests [-- --namespace weft --version 0.1.0 --registry ghcr.io/weft]`:
 * prints the install manifests as one multi-document YAML stream, for `kubectl apply -f -`.
 * Each run makes a new webhook certificate (its Secret and caBundle agree). The stream
 * opens with a comment on the Gateway API CRDs, which it does not carry.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { installManifests } from './manifests.ts';

/**
 * The Gateway API CRDs belong to their project (a cluster may have them already, at its
 * own version): they are named, not shipped.
 */
const GATEWAY_API_NOTE = `# HTTPRoute and GRPCRoute (gateway.networking.k8s.io/v1), used by routes and canaries,
# need the Gateway API CRDs (standard channel, v1.1 or later), which these manifests do
# not carry. Where the cluster lacks them, install them first:
#   kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.2.1/standard-install.yaml
# Until then, applying those kinds through Weft's API is refused, naming the missing CRD.
`;

try {
  const { values } = parseArgs({
    options: { namespace: { type: 'string' }, version: { type: 'string' }, registry: { type: 'string' } },
  });
  const objects = await installManifests({
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values.version ? { version: values.version } : {}),
    ...(values.registry ? { registry: values.registry } : {}),
  });
  process.stdout.write(GATEWAY_API_NOTE + objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
} catch (err) {
  console.error(`manifests: ${(err as Error).message}`);
  process.exit(2);
}
