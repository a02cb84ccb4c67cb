/**
 * The controller's policy stream, client side: one `policy.watch` subscription per
 * authority the proxy resolves, and one per inbound port when the proxy knows its
 * workload (`resolve/sse.ts` does the SSE and the reconnects). Each update is validated
 * against the shared schema, compiled once into a plan (`policy/`), and swapped into the
 * target's `PolicyRef` whole: a request reads the reference once when it starts, so a
 * swap never touches a request in flight. A bad update is logged and the last good plan
 * stays; while the controller is away, the last plan stays in force.
 *
 * An outbound policy with no routes and no failure accrual says "defaults": the target
 * then runs its static plan, if the config gave one, else the proxy's defaults.
 */
import { type InboundPolicy, type OutboundPolicy, PolicyUpdate, type WorkloadRef } from '@weft/shared';
import type { ConcreteService } from '../balance/concrete.ts';
import type { ConnTarget } from '../detect/handoff.ts';
import type { ProxyMetrics } from '../metrics/registry.ts';
import { compileInbound, compileOutbound, type InboundPlan } from '../policy/plan.ts';
import type { PolicyRef } from '../stack/plan-view.ts';
import { bindRouteMetrics } from '../stack/route-metrics.ts';
import { RateLimitedWarn, type SseHandler, type SseOptions, SseSubscription } from './sse.ts';

export interface PolicyClientOptions {
  controllerUrl: string;
  /** Per-route metrics handles are resolved here when a plan is compiled. */
  metrics?: ProxyMetrics;
  /** The `Authorization` value to send (the proxy's workload token), if any. */
  authorization?: () => string | undefined;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  onWarning?: (msg: string) => void;
}

/** One subscription and the reference it keeps current. */
abstract class PolicyStream implements SseHandler {
  sub: SseSubscription | null = null;
  constructor(
    protected readonly opts: SseOptions,
    readonly label: string,
    readonly ref: PolicyRef,
  ) {}

  onEvent(data: unknown): void {
    const r = PolicyUpdate.safeParse(data);
    if (!r.success) {
      this.opts.warn(`${this.label}: bad PolicyUpdate: ${r.error.issues[0]?.message}`);
      return;
    }
    try {
      this.apply(r.data);
    } catch (err) {
      this.opts.warn(`${this.label}: policy not applied: ${(err as Error).message}`);
    }
  }

  protected abstract apply(update: PolicyUpdate): void;
}

class OutboundStream extends PolicyStream {
  constructor(
    private readonly client: PolicyClient,
    private readonly target: ConnTarget,
  ) {
    super(client, `policy.watch ${target.authority}`, target.policy);
    this.sub = new SseSubscription(client, 'policy.watch', { authority: target.authority }, this.label, this);
  }

  protected apply(update: PolicyUpdate): void {
    if (update.kind !== 'outbound') throw new Error('expected an outbound policy');
    const policy: OutboundPolicy = update.policy;
    const ref = this.ref;
    const defaults = policy.routes.length === 0 && policy.failureAccrual === null;
    const metrics = this.client.metrics;
    const plan = defaults
      ? ref.staticPlan
      : metrics === undefined
        ? compileOutbound(policy)
        : bindRouteMetrics(compileOutbound(policy), metrics);
    ref.plan = plan;
    ref.revision = policy.revision;
    (this.target.concrete as ConcreteService).setFailureAccrual(plan?.failureAccrual ?? null);
  }
}

class InboundStream extends PolicyStream {
  constructor(opts: SseOptions, workload: WorkloadRef, port: number, ref: PolicyRef) {
    super(opts, `policy.watch ${workload.namespace}/${workload.name}:${port}`, ref);
    this.sub = new SseSubscription(opts, 'policy.watch', { workload, port }, this.label, this);
  }

  protected apply(update: PolicyUpdate): void {
    if (update.kind !== 'inbound') throw new Error('expected an inbound policy');
    const policy: InboundPolicy = update.policy;
    const ref = this.ref;
    // the same limits again keep the buckets (a revision elsewhere must not reset them)
    ref.inbound = compileInbound(
      policy,
      (ref.inbound as InboundPlan | null) ?? undefined,
      (this.opts as PolicyClient).metrics?.authz,
    );
    ref.revision = policy.revision;
  }
}

/** The proxy's policy subscriptions. */
export class PolicyClient implements SseOptions {
  readonly controllerUrl: string;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  readonly metrics: ProxyMetrics | undefined;
  readonly authorization: () => string | undefined;
  private readonly streams = new Set<PolicyStream>();
  private readonly warnings: RateLimitedWarn;

  constructor(opts: PolicyClientOptions) {
    this.controllerUrl = opts.controllerUrl;
    this.backoffMinMs = opts.backoffMinMs ?? 200;
    this.backoffMaxMs = opts.backoffMaxMs ?? 5_000;
    this.metrics = opts.metrics;
    this.authorization = opts.authorization ?? (() => undefined);
    this.warnings = new RateLimitedWarn(opts.onWarning ?? (() => {}));
  }

  /** Keeps `target.policy` current for its authority until the returned function is called. */
  watchOutbound(target: ConnTarget): () => void {
    return this.add(new OutboundStream(this, target));
  }

  /** Keeps `ref.inbound` current for one of the proxy's own ports. */
  watchInbound(workload: WorkloadRef, port: number, ref: PolicyRef): () => void {
    return this.add(new InboundStream(this, workload, port, ref));
  }

  /**
   * The live streams: how many have had no update applied yet (their targets run the
   * defaults), and the lowest revision applied across the others (undefined when none).
   */
  revisions(): { waiting: number; lowest: number | undefined } {
    let waiting = 0;
    let lowest: number | undefined;
    for (const s of this.streams) {
      const r = s.ref.revision;
      if (r < 0) waiting++;
      else if (lowest === undefined || r < lowest) lowest = r;
    }
    return { waiting, lowest };
  }

  close(): void {
    for (const s of this.streams) s.sub?.close();
    this.streams.clear();
  }

  warn(msg: string): void {
    this.warnings.warn(msg);
  }

  private add(s: PolicyStream): () => void {
    this.streams.add(s);
    return () => {
      this.streams.delete(s);
      s.sub?.close();
    };
  }
}
