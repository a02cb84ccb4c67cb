/**
 * One compiled route rule: its matches, filters (header modifiers, redirect, fault),
 * timeouts, retries and weighted backends, all built once when a revision arrives.
 */
import type { BackendPlan, PolicySource, RedirectPlan, RoutePlan, TimeoutsPlan } from '@weft/shared';
import { CompiledFault } from './fault.ts';
import { compileHeaderModifier, type HeaderModifier } from './headers.ts';
import { CompiledMatch } from './match.ts';
import type { RequestView } from './request-view.ts';
import { CompiledRetry } from './retry.ts';

export class CompiledRoute {
  readonly source: PolicySource;
  readonly rule: number;
  readonly timeouts: TimeoutsPlan;
  readonly retry: CompiledRetry | null;
  readonly fault: CompiledFault | null;
  readonly requestHeaders: HeaderModifier | null;
  readonly responseHeaders: HeaderModifier | null;
  readonly redirect: RedirectPlan | null;
  readonly backends: readonly BackendPlan[];
  /** The matches; empty matches every request. */
  readonly matches: readonly CompiledMatch[];
  /** Running sums of backend weights, and their total. */
  private readonly cumulative: Float64Array;
  private readonly totalWeight: number;
  /** Each backend's own request header modifier (Gateway API backendRef filters). */
  private readonly backendModifiers: Map<BackendPlan, HeaderModifier>;

  constructor(plan: RoutePlan, field: string) {
    const src = plan.source;
    this.source = src;
    this.rule = plan.rule;
    this.timeouts = plan.timeouts;
    this.retry = plan.retry ? new CompiledRetry(plan.retry) : null;
    this.fault = plan.fault ? new CompiledFault(plan.fault) : null;
    this.requestHeaders = compileHeaderModifier(plan.requestHeaders, `${field}.requestHeaders`, src);
    this.responseHeaders = compileHeaderModifier(plan.responseHeaders, `${field}.responseHeaders`, src);
    this.redirect = plan.redirect ?? null;
    this.backends = plan.backends;
    this.matches = plan.matches.map((m, i) => new CompiledMatch(m, `${field}.matches[${i}]`, src));
    this.cumulative = new Float64Array(plan.backends.length);
    let sum = 0;
    this.backendModifiers = new Map();
    for (const [i, b] of plan.backends.entries()) {
      sum += b.weight;
      this.cumulative[i] = sum;
      const mod = compileHeaderModifier(b.requestHeaders, `${field}.backends[${i}].requestHeaders`, src);
      if (mod !== null) this.backendModifiers.set(b, mod);
    }
    this.totalWeight = sum;
  }

  /** Whether a request matches this route (any of its matches; all when it has none). */
  test(req: RequestView): boolean {
    const ms = this.matches;
    if (ms.length === 0) return true;
    for (let i = 0; i < ms.length; i++) if ((ms[i] as CompiledMatch).test(req)) return true;
    return false;
  }

  /**
   * Picks a backend for a draw `r` in [0, 1), in proportion to the weights (weight 0 is
   * never picked). Null means "send to the parent authority": the route has no backends,
   * or (which the controller rejects, so only a bad plan gets here) all weights are 0.
   */
  pickBackend(r: number): BackendPlan | null {
    const total = this.totalWeight;
    if (total <= 0) return null;
    const target = r * total;
    const cum = this.cumulative;
    const n = cum.length;
    for (let i = 0; i < n; i++) if ((cum[i] as number) > target) return this.backends[i] as BackendPlan;
    // r rounded up to 1: the last backend with a weight.
    for (let i = n - 1; i >= 0; i--)
      if ((this.backends[i] as BackendPlan).weight > 0) return this.backends[i] as BackendPlan;
    return null;
  }

  /** The request header modifier of one of this route's backends, if it has one. */
  backendRequestHeaders(backend: BackendPlan): HeaderModifier | null {
    return this.backendModifiers.get(backend) ?? null;
  }

  /** The first match that holds, in words (tap explanations); 'any request' without matches. */
  matchedText(req: RequestView): string | null {
    const ms = this.matches;
    if (ms.length === 0) return 'any request';
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i] as CompiledMatch;
      if (m.test(req)) return m.text;
    }
    return null;
  }

  /** The PathPrefix of the first match that holds (for a redirect's ReplacePrefixMatch). */
  matchedPrefix(req: RequestView): string | undefined {
    const ms = this.matches;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i] as CompiledMatch;
      if (m.test(req)) return m.prefix;
    }
    return undefined;
  }
}
