/**
 * The decisions a tap explains, recorded on the exchange at the point each is made: how
 * the balancer picked an endpoint (the two peak-EWMA costs it compared) and which
 * authorization rule let the caller in, or that none did. Called only while someone taps
 * (`TapHub.active`), so nothing here runs or allocates when nobody listens.
 */
import type { TapCandidate, TapPick } from '@weft/shared';
import { PICK_ACCRUAL, PICK_AVOIDED, PICK_LOWER_COST, type PickTrace } from '../balance/concrete.ts';
import type { EndpointState } from '../balance/endpoint.ts';
import type { Exchange } from '../stack/exchange.ts';
import type { AuthzTableView, InboundPlanView } from '../stack/plan-view.ts';

const MAX_POLICIES = 64;

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function candidate(ep: EndpointState, now: number): TapCandidate {
  const cost = ep.cost(now);
  const pending = ep.pending;
  return {
    endpoint: `${ep.address}:${ep.port}`,
    ewmaMs: round(cost / (pending + 1)),
    pending,
    cost: round(cost),
  };
}

function reasonOf(code: number): TapPick['reason'] {
  if (code === PICK_LOWER_COST) return 'lower-cost';
  if (code === PICK_AVOIDED) return 'avoided-previous';
  if (code === PICK_ACCRUAL) return 'failure-accrual';
  return 'only-endpoint';
}

/** Records the pick the balancer just made for the exchange's next attempt. */
export function recordPick(ex: Exchange, trace: PickTrace): void {
  const chosen = trace.chosen;
  if (chosen === null) return;
  const now = performance.now();
  const candidates = [candidate(chosen, now)];
  if (trace.other !== null) candidates.push(candidate(trace.other, now));
  ex.tapPick = { reason: reasonOf(trace.reason), candidates };
  trace.chosen = null;
  trace.other = null;
}

function ruleName(r: { kind: string; namespace: string; name: string }): string {
  return r.kind === 'default' ? `default policy ${r.name}` : `${r.kind} ${r.namespace}/${r.name}`;
}

/**
 * Records which rule of the port's authorization (or of the HTTPRoute on its Server the
 * request matched: `table`) admitted the caller, or that none did.
 */
export function recordAuthz(
  ex: Exchange,
  authorizer: InboundPlanView['authorizer'],
  table: AuthzTableView,
  admitted: boolean,
): void {
  const i = table.decide(ex.peerIdentity(), ex.peerAddress());
  const rules = table.rules;
  const rule = i >= 0 ? rules[i] : undefined;
  const policies: string[] = [];
  for (let k = 0; k < rules.length && k < MAX_POLICIES; k++)
    policies.push(ruleName(rules[k] as (typeof rules)[number]));
  ex.tapAuthz = {
    allowed: admitted,
    policy: rule === undefined ? null : ruleName(rule),
    server: authorizer.serverKind === 'server' ? `Server ${authorizer.serverName}` : authorizer.serverName,
    policies,
    audit: rule === undefined && admitted,
  };
}
