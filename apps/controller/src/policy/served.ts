/**
 * What a proxy's `policy.watch` stream is sent, read from the compiled plans of one
 * revision: the outbound policy of an authority (a Service by name or virtual address;
 * defaults for anything else) and the inbound policy of one of a workload's own ports.
 */
import type { InboundPolicy, OutboundPolicy } from '@weft/shared';
import type { Platform } from '../core/platform.ts';
import { parseAuthority } from '../destination/authority.ts';
import { servicePortKey } from './attach.ts';
import { workloadPortKey } from './compile-inbound.ts';
import type { CompiledPlans } from './compile-plans.ts';

/** The outbound policy for `authority` (a Service by name or virtual address; none otherwise). */
export function outboundPolicyOf(
  plans: CompiledPlans,
  platform: Platform,
  authority: string,
): OutboundPolicy {
  const parsed = parseAuthority(authority);
  let key: string | undefined;
  if (parsed?.kind === 'name') key = servicePortKey(parsed.namespace, parsed.name, parsed.port);
  else if (parsed?.kind === 'address') {
    const svc = platform.listServices().find((s) => s.clusterIP === parsed.address);
    if (svc) key = servicePortKey(svc.namespace, svc.name, parsed.port);
  }
  const plan = key === undefined ? undefined : plans.outbound.get(key);
  if (plan) return { ...plan, authority };
  return {
    revision: plans.revision,
    authority,
    service: null,
    protocol: 'http',
    routes: [],
    failureAccrual: null,
  };
}

/** The inbound policy of one of a workload's own ports. */
export function inboundPolicyOf(
  plans: CompiledPlans,
  platform: Platform,
  workload: { namespace: string; name: string },
  port: number,
): InboundPolicy {
  const compiled = plans.inbound.get(workloadPortKey(workload.namespace, workload.name, port));
  // one workload's view, not its namespace's: every proxy's inbound watch asks at each pod change
  const found = platform.getWorkload(workload);
  const authz = plans.authz.plan(found, workload.namespace, workload.name, port);
  return {
    revision: plans.revision,
    workload,
    port,
    rateLimit: compiled?.rateLimit ?? null,
    authz,
  };
}
