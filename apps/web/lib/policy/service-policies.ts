/**
 * The policy documents that concern one Service: the routes attached to it (GAMMA
 * `parentRefs`), the `Service` document whose annotations carry its retries and
 * timeouts, the faults on those routes and the rate limits on the Service; and those
 * annotations read as people write them (Weft's spelling wins over Linkerd's).
 */
import {
  type GRPCRoute,
  type HTTPFault,
  type HTTPLocalRateLimitPolicy,
  type HTTPRoute,
  type PolicyAnnotationGroup,
  type PolicyDocument,
  policyAnnotationKey,
  type ServiceAnnotations,
} from '@weft/shared';

export interface ServicePolicies {
  routes: (HTTPRoute | GRPCRoute)[];
  overlay: ServiceAnnotations | undefined;
  faults: HTTPFault[];
  rateLimits: HTTPLocalRateLimitPolicy[];
}

function isServiceKind(kind: string | undefined): boolean {
  return kind === undefined || kind === 'Service';
}

/** Whether `route` attaches to Service `namespace/name`. */
export function attachesTo(route: HTTPRoute | GRPCRoute, namespace: string, name: string): boolean {
  return route.spec.parentRefs.some(
    (p) =>
      isServiceKind(p.kind) && p.name === name && (p.namespace ?? route.metadata.namespace) === namespace,
  );
}

export function policiesOfService(
  docs: readonly PolicyDocument[],
  namespace: string,
  name: string,
): ServicePolicies {
  const routes: (HTTPRoute | GRPCRoute)[] = [];
  let overlay: ServiceAnnotations | undefined;
  for (const d of docs) {
    if ((d.kind === 'HTTPRoute' || d.kind === 'GRPCRoute') && attachesTo(d, namespace, name)) routes.push(d);
    else if (d.kind === 'Service' && d.metadata.namespace === namespace && d.metadata.name === name)
      overlay = d;
  }
  routes.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  const routeNames = new Set(routes.map((r) => `${r.kind}/${r.metadata.name}`));
  const faults: HTTPFault[] = [];
  const rateLimits: HTTPLocalRateLimitPolicy[] = [];
  for (const d of docs) {
    if (d.metadata.namespace !== namespace) continue;
    if (d.kind === 'HTTPFault' && routeNames.has(`${d.spec.targetRef.kind}/${d.spec.targetRef.name}`))
      faults.push(d);
    else if (
      d.kind === 'HTTPLocalRateLimitPolicy' &&
      d.spec.targetRef.kind === 'Service' &&
      d.spec.targetRef.name === name
    )
      rateLimits.push(d);
  }
  return { routes, overlay, faults, rateLimits };
}

/** The value of annotation `group/key` (`retry`, `limit`) in `annotations`, Weft's spelling first. */
export function annotationValue(
  annotations: Readonly<Record<string, string>> | undefined,
  group: PolicyAnnotationGroup,
  key: string,
): string | undefined {
  return (
    annotations?.[policyAnnotationKey(group, key, 'weft')] ??
    annotations?.[policyAnnotationKey(group, key, 'linkerd')]
  );
}
