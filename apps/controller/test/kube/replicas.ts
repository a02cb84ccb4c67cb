/**
 * Controller replicas on the fake API server, for the multi-replica tests: a controller
 * process on the Kubernetes platform named as its pod (`WEFT_POD_NAME`) with a short
 * leader Lease, and which replica holds that Lease now.
 */
import { join } from 'node:path';
import { type ControllerProcess, startControllerProcess } from '../demo-harness.ts';
import type { FakeApiServer } from './server.ts';

/** Starts replica `name` with its state in `dir/name` and the kubeconfig at `dir/kubeconfig`. */
export function startReplica(
  dir: string,
  name: string,
  env: Record<string, string> = {},
): Promise<ControllerProcess> {
  return startControllerProcess({
    stateDir: join(dir, name),
    octet: 0,
    env: {
      WEFT_PLATFORM: 'kubernetes',
      KUBECONFIG: join(dir, 'kubeconfig'),
      WEFT_POD_NAME: name,
      WEFT_LEASE_NAMESPACE: 'weft',
      WEFT_LEASE_DURATION_SECONDS: '4',
      WEFT_LEASE_RETRY_MS: '500',
      ...env,
    },
  });
}

/** The replica holding the controller's Lease, if any. */
export function leaseHolder(server: FakeApiServer): string | undefined {
  return (
    server.store.get('coordination.k8s.io/v1/leases', 'weft', 'weft-controller')?.spec as
      | { holderIdentity?: string }
      | undefined
  )?.holderIdentity;
}
