/**
 * Leader election among controller replicas with a `coordination.k8s.io/v1` Lease, as
 * client-go's leaderelection: the holder renews the Lease every retry period; another
 * replica takes it once `renewTime + leaseDurationSeconds` has passed without a renewal.
 * Every write carries the Lease's resourceVersion, so of two replicas racing for it one
 * wins (the other gets 409 and tries again later). Only the leader runs the writers;
 * every replica serves reads.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** This replica's name (its pod name in a cluster). */
  identity: string;
  leaseDurationSeconds: number;
  /** How often to renew or try to acquire. */
  retryPeriodMs: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  log?: (message: string) => void;
}

/** Lease times are RFC 3339 with microseconds (`MicroTime`). */
const now = () => new Date();

export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #o: LeaderElectionOptions;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastError: string | undefined;

  constructor(kc: KubeConfig, options: LeaderElectionOptions) {
    this.#api = kc.makeApiClient(CoordinationV1Api);
    this.#o = options;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Why the last attempt failed (the API server unreachable, say); undefined when it did not. */
  get problem(): string | undefined {
    return this.#lastError;
  }

  start(): void {
    this.#stopped = false;
    void this.#round();
  }

  /** Stops trying; a leader gives the Lease up so another replica takes it at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#leading) {
      try {
        const lease = await this.#read();
        if (lease?.spec?.holderIdentity === this.#o.identity) {
          lease.spec = {
            ...lease.spec,
            holderIdentity: undefined,
            renewTime: undefined,
            acquireTime: undefined,
          };
          await this.#api.replaceNamespacedLease({
            name: this.#o.name,
            namespace: this.#o.namespace,
            body: lease,
          });
        }
      } catch {
        // Another replica takes over when the Lease expires.
      }
      this.#setLeading(false);
    }
  }

  async #round() {
    if (this.#stopped) return;
    try {
      this.#setLeading(await this.#tryAcquireOrRenew());
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = `leader election: ${(err as Error).message}`;
      // A leader that cannot renew must assume it lost the Lease before it expires.
      if (this.#leading) this.#setLeading(false);
    }
    if (!this.#stopped) {
      this.#timer = setTimeout(() => void this.#round(), this.#o.retryPeriodMs);
      this.#timer.unref();
    }
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ name: this.#o.name, namespace: this.#o.namespace });
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.#o;
    const lease = await this.#read();
    const t = now();
    if (!lease) {
      try {
        await this.#api.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: t,
              renewTime: t,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (err) {
        if ((err as { code?: number }).code === 409) return false;
        throw err;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < t.getTime();
    if (holder && holder !== identity && !expired) return false;
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: t,
      ...(taking
        ? { acquireTime: t, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) }
        : {}),
    };
    try {
      await this.#api.replaceNamespacedLease({ name, namespace, body: lease });
      if (taking) this.#o.log?.(`took the lease ${namespace}/${name}${holder ? ` from ${holder}` : ''}`);
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }

  #setLeading(leading: boolean) {
    if (leading === this.#leading) return;
    this.#leading = leading;
    if (leading) this.#o.onStartedLeading?.();
    else this.#o.onStoppedLeading?.();
  }
}
