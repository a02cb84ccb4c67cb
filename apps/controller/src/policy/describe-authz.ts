/**
 * Authorization changes in words: for every workload port whose compiled authorization
 * differs before and after a change, what now guards it ("Server catalog-http, 1 rule")
 * and, for every workload of the platform as a caller (its mTLS identity when meshed, its
 * pods' addresses), whether its calls become denied, allowed or audited:
 * `demo/web → demo/catalog` "becomes denied on port 8080".
 */
import {
  type AuthzVerdict,
  type InboundAuthzPlan,
  meshIdentity,
  type Pod,
  type PolicyChangeSentence,
  type Service,
  selectorMatches,
  type Workload,
} from '@weft/shared';
import { judge, workloadAddresses } from './authz-report.ts';
import type { AuthzCompiler } from './compile-authz.ts';

/** At most this many caller sentences per description (the rest are counted in one more). */
export const MAX_CALLER_SENTENCES = 100;
/** At most this many caller verdicts are judged per description (a mesh-wide change on a large mesh stops there, and says so). */
export const MAX_CALLER_CHECKS = 50_000;

/** What the platform runs, as authorization sees it. */
export interface AuthzWorld {
  workloads: readonly Workload[];
  services: readonly Service[];
  pods: readonly Pod[];
}

/** The target ports of the Services that select a workload: the ports callers reach it on. */
export function workloadPorts(workload: Workload, services: readonly Service[]): number[] {
  const ports = new Set<number>();
  for (const s of services)
    if (
      s.namespace === workload.namespace &&
      Object.keys(s.selector).length > 0 &&
      selectorMatches({ matchLabels: s.selector }, workload.labels)
    )
      for (const p of s.ports) ports.add(p.targetPort);
  return [...ports].sort((a, b) => a - b);
}

/** The identity a workload's calls carry: its mesh identity when meshed, none otherwise. */
export function callerIdentity(w: Workload): string | null {
  return w.meshedReplicas > 0 ? meshIdentity(w.serviceAccount, w.namespace) : null;
}

function describePlan(plan: InboundAuthzPlan): string {
  const audit = plan.audit ? ', audit only' : '';
  if (plan.serverKind === 'default')
    return `default policy ${plan.serverName.replace(/^default:/, '')}${audit}`;
  const n = plan.rules.length;
  return `Server ${plan.serverName}, ${n} ${n === 1 ? 'rule' : 'rules'}${audit}`;
}

const BECOMES: Record<AuthzVerdict, string> = {
  allow: 'becomes allowed',
  deny: 'becomes denied',
  audit: 'becomes denied but let through (audit)',
};

/** Sentences for every workload port whose authorization changes, and every caller whose verdict does. */
export function describeAuthz(
  before: AuthzCompiler,
  after: AuthzCompiler,
  world: AuthzWorld,
): PolicyChangeSentence[] {
  const out: PolicyChangeSentence[] = [];
  const callers: PolicyChangeSentence[] = [];
  let dropped = 0;
  let checks = 0;
  let unchecked = 0;
  for (const w of world.workloads) {
    for (const port of workloadPorts(w, world.services)) {
      const a = before.plan(w, w.namespace, w.name, port);
      const b = after.plan(w, w.namespace, w.name, port);
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      const subject = `${w.namespace}/${w.name}:${port}`;
      const from = describePlan(a);
      const to = describePlan(b);
      out.push({
        subject,
        kind: 'changed',
        text: from === to ? `authorization rules of ${to} changed` : `authorization ${from} → ${to}`,
      });
      for (const c of world.workloads) {
        if (c.namespace === w.namespace && c.name === w.name) continue;
        if (++checks > MAX_CALLER_CHECKS) {
          unchecked++;
          continue;
        }
        const identity = callerIdentity(c);
        const addresses = workloadAddresses(world.pods, c.namespace, c.name);
        const va = judge(a, identity, addresses);
        const vb = judge(b, identity, addresses);
        if (va.verdict === vb.verdict) continue;
        if (callers.length >= MAX_CALLER_SENTENCES) {
          dropped++;
          continue;
        }
        const by = vb.rule ? ` (by ${vb.rule})` : '';
        callers.push({
          subject: `${c.namespace}/${c.name} → ${w.namespace}/${w.name}`,
          kind: 'changed',
          text: `${BECOMES[vb.verdict]} on port ${port}${by}${identity === null ? ', caller unmeshed' : ''}`,
        });
      }
    }
  }
  if (dropped > 0)
    callers.push({ subject: 'callers', kind: 'changed', text: `and ${dropped} more caller verdicts change` });
  if (unchecked > 0)
    callers.push({
      subject: 'callers',
      kind: 'changed',
      text: `${unchecked} more caller verdicts were not checked (at most ${MAX_CALLER_CHECKS} per description)`,
    });
  return [...out, ...callers];
}
