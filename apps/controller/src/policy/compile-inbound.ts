/**
 * Compiles `HTTPLocalRateLimitPolicy` documents into one `InboundPolicy` per workload
 * port: a rate limit that targets a Service port applies on the inbound side of every
 * workload behind it (selected by the Service's selector, or seen among its endpoints),
 * on the pods' own (target) port. `authz` is left at anyone-may-call here: the policy
 * service fills in each port's compiled authorization (`compile-authz.ts`) when asked.
 */
import {
  ALLOW_ALL_AUTHZ,
  type HTTPLocalRateLimitPolicy,
  type InboundPolicy,
  meshIdentity,
  type PolicyDocument,
  type RateLimitPlan,
  type Service,
  serviceSelects,
  type Workload,
} from '@weft/shared';
import type { ServiceEndpoints } from '../core/platform.ts';
import { ServiceIndex } from './attach.ts';
import { rateLimitPorts } from './validate-policy.ts';

/** `demo/inventory:8080`: a workload and one of its own ports. */
export function workloadPortKey(namespace: string, workload: string, port: number): string {
  return `${namespace}/${workload}:${port}`;
}

export interface InboundInputs {
  services: readonly Service[];
  workloads: readonly Workload[];
  endpoints: (service: Service) => readonly ServiceEndpoints[];
}

function rateLimitPlan(doc: HTTPLocalRateLimitPolicy): RateLimitPlan {
  const s = doc.spec;
  return {
    source: { kind: doc.kind, namespace: doc.metadata.namespace, name: doc.metadata.name },
    ...(s.total ? { totalRps: s.total.requestsPerSecond } : {}),
    ...(s.identity ? { identityRps: s.identity.requestsPerSecond } : {}),
    overrides: (s.overrides ?? []).map((o) => ({
      rps: o.requestsPerSecond,
      identities: o.clientRefs.map((c) => meshIdentity(c.name, c.namespace ?? doc.metadata.namespace)),
    })),
  };
}

export function compileInbound(
  documents: readonly PolicyDocument[],
  inputs: InboundInputs,
  revision: number,
): Map<string, InboundPolicy> {
  const index = new ServiceIndex(inputs.services);
  const out = new Map<string, InboundPolicy>();
  for (const doc of documents) {
    if (doc.kind !== 'HTTPLocalRateLimitPolicy' || doc.spec.targetRef.kind !== 'Service') continue;
    const svc = index.get(doc.spec.targetRef.namespace ?? doc.metadata.namespace, doc.spec.targetRef.name);
    if (!svc) continue;
    const workloads = new Set(
      inputs.workloads
        .filter((w) => w.namespace === svc.namespace && serviceSelects(svc.selector, w.labels))
        .map((w) => w.name),
    );
    for (const slice of inputs.endpoints(svc)) for (const e of slice.endpoints) workloads.add(e.workload);
    const plan = rateLimitPlan(doc);
    for (const port of rateLimitPorts(doc, index)) {
      const target = svc.ports.find((p) => p.port === port)?.targetPort ?? port;
      for (const workload of workloads) {
        const key = workloadPortKey(svc.namespace, workload, target);
        if (out.has(key)) continue;
        out.set(key, {
          revision,
          workload: { namespace: svc.namespace, name: workload },
          port: target,
          rateLimit: plan,
          authz: ALLOW_ALL_AUTHZ,
        });
      }
    }
  }
  return out;
}
