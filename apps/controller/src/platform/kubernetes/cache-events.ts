/**
 * What the Kubernetes platform reads off its cache beyond one object: which Deployment a
 * pod belongs to (through its ReplicaSet), a Deployment's pods, a Service's selected
 * pods, and the platform events a cache change means.
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { serviceSelects } from '@weft/shared';
import type { PlatformEvent } from '../../core/platform.ts';
import type { CacheChange, ClusterCache } from './cluster-cache.ts';
import { rolloutView } from './views.ts';

/** The Deployment a pod belongs to, through its ReplicaSet (or the ReplicaSet name's template hash). */
export function workloadOf(cache: ClusterCache, pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((r) => r.kind === 'ReplicaSet' && r.controller !== false);
  if (!owner) return undefined;
  const rs = cache.replicaSets.informer.get(owner.name, pod.metadata?.namespace);
  const deployment = rs?.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment')?.name;
  if (deployment) return deployment;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : undefined;
}

/** A Deployment's pods not being deleted. */
export function podsOf(cache: ClusterCache, d: V1Deployment): V1Pod[] {
  const name = d.metadata?.name;
  return cache.pods.informer
    .list(d.metadata?.namespace)
    .filter((p) => !p.metadata?.deletionTimestamp && workloadOf(cache, p) === name);
}

/** The pods of `namespace` a Service's selector selects. */
export function selectedPods(
  cache: ClusterCache,
  namespace: string,
  selector: Record<string, string>,
): V1Pod[] {
  return cache.pods.informer
    .list(namespace)
    .filter((p) => serviceSelects(selector, p.metadata?.labels ?? {}));
}

/** The platform events a change of the cache means. */
export function eventsOf(cache: ClusterCache, { kind, object }: CacheChange): PlatformEvent[] {
  const namespace = object.metadata?.namespace ?? '';
  const name = object.metadata?.name ?? '';
  switch (kind) {
    case 'namespace':
      return [{ kind: 'namespace', namespace: name, name }];
    case 'deployment': {
      const d = object as V1Deployment;
      return [
        { kind: 'workload', namespace, name },
        ...(cache.deployments.informer.get(name, namespace)
          ? [{ kind: 'rollout' as const, progress: rolloutView(d, podsOf(cache, d)) }]
          : []),
      ];
    }
    case 'replicaset': {
      const owner = object.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment')?.name;
      return owner ? [{ kind: 'workload', namespace, name: owner }] : [];
    }
    case 'pod': {
      const workload = workloadOf(cache, object as V1Pod);
      if (!workload) return [];
      return [
        { kind: 'pod', namespace, name, workload },
        { kind: 'workload', namespace, name: workload },
      ];
    }
    case 'service':
      return [
        { kind: 'service', namespace, name },
        { kind: 'endpoints', namespace, name },
      ];
    case 'endpointslice': {
      const service = object.metadata?.labels?.['kubernetes.io/service-name'];
      return service ? [{ kind: 'endpoints', namespace, name: service }] : [];
    }
  }
}
