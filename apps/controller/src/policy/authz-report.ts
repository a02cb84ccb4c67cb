/**
 * The dashboard's view of one workload port's authorization: the compiled rules (who is
 * allowed; everyone else is denied), and each caller seen on the topology's edges into
 * the workload, judged by those rules from its mTLS identity and its pods' addresses.
 */
import { BlockList, isIPv4 } from 'node:net';
import type {
  AuthorizationRulePlan,
  AuthzVerdict,
  Edge,
  InboundAuthzPlan,
  ObservedCaller,
  Pod,
} from '@weft/shared';

function inNetworks(networks: NonNullable<AuthorizationRulePlan['networks']>, address: string): boolean {
  const type = isIPv4(address) ? 'ipv4' : 'ipv6';
  for (const n of networks) {
    const add = (list: BlockList, cidr: string) => {
      const [ip = '', bits] = cidr.split('/');
      const t = isIPv4(ip) ? 'ipv4' : 'ipv6';
      list.addSubnet(ip, bits === undefined ? (t === 'ipv4' ? 32 : 128) : Number(bits), t);
    };
    const inside = new BlockList();
    add(inside, n.cidr);
    const except = new BlockList();
    for (const e of n.except) add(except, e);
    if (inside.check(address, type) && !except.check(address, type)) return true;
  }
  return false;
}

function identityMatches(identities: string[], identity: string | null): boolean {
  if (identity === null) return false;
  return identities.some(
    (i) => i === '*' || i === identity || (i.startsWith('*.') && identity.endsWith(i.slice(1))),
  );
}

/** The first rule that lets a caller with this identity and these addresses in (all of its pods must match networks). */
export function allowingRule(
  plan: InboundAuthzPlan,
  identity: string | null,
  addresses: readonly string[],
): AuthorizationRulePlan | undefined {
  return plan.rules.find(
    (r) =>
      (r.identities === null || identityMatches(r.identities, identity)) &&
      (r.networks === null ||
        (addresses.length > 0 &&
          addresses.every((a) => inNetworks(r.networks as NonNullable<typeof r.networks>, a)))),
  );
}

/** How messages name a rule: `demo/allow-web`, or `default:all-unauthenticated`. */
export function ruleName(rule: AuthorizationRulePlan): string {
  return rule.kind === 'default' ? `default:${rule.name}` : `${rule.namespace}/${rule.name}`;
}

/** What the port does with such a caller: allow (and by which rule), audit (denied but let through) or deny. */
export function judge(
  plan: InboundAuthzPlan,
  identity: string | null,
  addresses: readonly string[],
): { verdict: AuthzVerdict; rule: string | null } {
  const rule = allowingRule(plan, identity, addresses);
  if (rule) return { verdict: 'allow', rule: ruleName(rule) };
  return { verdict: plan.audit ? 'audit' : 'deny', rule: null };
}

/** The addresses of a workload's pods. */
export function workloadAddresses(pods: readonly Pod[], namespace: string, name: string): string[] {
  return pods.filter((p) => p.namespace === namespace && p.workload === name).map((p) => p.ip);
}

export function observedCallers(
  plan: InboundAuthzPlan,
  edges: readonly Edge[],
  pods: readonly Pod[],
): ObservedCaller[] {
  return edges.map((e) => {
    const addresses = workloadAddresses(pods, e.source.namespace, e.source.name);
    const rule = allowingRule(plan, e.clientIdentity, addresses);
    return {
      source: e.source,
      identity: e.clientIdentity,
      unmeshed: e.sourceUnmeshed,
      requests: e.metrics.requests,
      allowed: rule !== undefined,
      rule: rule === undefined ? null : ruleName(rule),
    };
  });
}
