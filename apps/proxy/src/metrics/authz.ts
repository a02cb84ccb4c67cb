/**
 * Authorization counters, as Linkerd names them: `inbound_{http,tcp}_authz_allow_total`
 * and `inbound_{http,tcp}_authz_deny_total` with `srv_kind`, `srv_name`, `authz_kind`,
 * `authz_name` and `route_name` (the HTTPRoute on the Server a request matched, else
 * `default`); and Weft's `inbound_{http,tcp}_authz_audit_total` for
 * what an audit policy let through but would have denied. Handles are made when a plan
 * is compiled (one per rule and outcome) and kept for the process's life, up to a cap.
 */
import type { Registry } from 'prom-client';
import type { AuthzCount, AuthzCounters, AuthzLabels } from '../policy/authz.ts';
import { CollectedMetric, type Labels, type MetricValue } from './collected.ts';

/** Label sets kept before further ones share one overflow set per name. */
export const MAX_AUTHZ_SETS = 2000;

const OUTCOMES = ['allow', 'deny', 'audit'] as const;
type Outcome = (typeof OUTCOMES)[number];

interface AuthzSet extends AuthzCount {
  readonly name: string;
  readonly labels: Labels;
}

export function authzMetricName(proto: 'http' | 'tcp', outcome: Outcome): string {
  return `inbound_${proto}_authz_${outcome}_total`;
}

export class AuthzMetrics implements AuthzCounters {
  readonly #sets = new Map<string, AuthzSet>();
  readonly #own: Labels;

  constructor(own: Labels) {
    this.#own = own;
  }

  counter(
    proto: 'http' | 'tcp',
    outcome: Outcome,
    l: AuthzLabels & { authzKind: string; authzName: string },
  ): AuthzCount {
    const name = authzMetricName(proto, outcome);
    let key = `${name}\0${l.srvKind}\0${l.srvName}\0${l.routeName}\0${l.authzKind}\0${l.authzName}`;
    let labels: Labels = {
      direction: 'inbound',
      ...this.#own,
      srv_kind: l.srvKind,
      srv_name: l.srvName,
      route_name: l.routeName,
    };
    if (l.authzKind) labels = { ...labels, authz_kind: l.authzKind, authz_name: l.authzName };
    if (!this.#sets.has(key) && this.#sets.size >= MAX_AUTHZ_SETS) {
      key = `${name}\0overflow`;
      labels = { direction: 'inbound', ...this.#own };
    }
    let set = this.#sets.get(key);
    if (set === undefined) {
      set = { name, labels, n: 0 };
      this.#sets.set(key, set);
    }
    return set;
  }

  register(registry: Registry): void {
    for (const proto of ['http', 'tcp'] as const)
      for (const outcome of OUTCOMES) {
        const name = authzMetricName(proto, outcome);
        const help =
          outcome === 'audit'
            ? `${proto.toUpperCase()} ${proto === 'tcp' ? 'connections' : 'requests'} an audit policy let through that would have been denied.`
            : `${proto.toUpperCase()} ${proto === 'tcp' ? 'connections' : 'requests'} ${outcome === 'allow' ? 'authorized' : 'denied'} by the inbound policy.`;
        registry.registerMetric(
          new CollectedMetric(name, help, 'counter', () => {
            const out: MetricValue[] = [];
            for (const s of this.#sets.values())
              if (s.name === name) out.push({ labels: s.labels, value: s.n });
            return out;
          }) as never,
        );
      }
  }
}
