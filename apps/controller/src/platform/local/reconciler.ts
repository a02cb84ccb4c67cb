/**
 * Drives each workload's pods towards its desired state (replicas, meshed or not) with
 * a rolling update, one round at a time per workload; a change during a round asks for
 * another, and a newer mesh/unmesh cancels the round in progress. Rounds of different
 * workloads share a bounded number of slots (`RolloutSlots`): the rest wait, queued.
 */
import type { RolloutProgress } from '@weft/shared';
import type { WorkloadEntry } from './inventory.ts';
import type { PodSet } from './pod-set.ts';
import { type RolloutStep, rollOut } from './rollout.ts';
import type { RolloutSlots } from './rollout-slots.ts';
import { templateHash } from './template.ts';

export interface ReconcilerHooks {
  /** The workload's progress changed. */
  progressed(w: WorkloadEntry): void;
  /** The workload's desired state changed: persist it now. */
  persist(): void;
  stopped(): boolean;
}

type Action = RolloutProgress['action'];

const actionOf = (w: WorkloadEntry): Action => (w.state.meshed ? 'mesh' : 'unmesh');

export class Reconciler {
  readonly #pods: PodSet;
  readonly #hooks: ReconcilerHooks;
  readonly #slots: RolloutSlots;

  constructor(pods: PodSet, hooks: ReconcilerHooks, slots: RolloutSlots) {
    this.#pods = pods;
    this.#hooks = hooks;
    this.#slots = slots;
  }

  /** Sets whether the workload is meshed and rolls its pods when they do not match. */
  setMeshed(w: WorkloadEntry, meshed: boolean): RolloutProgress {
    const action: Action = meshed ? 'mesh' : 'unmesh';
    const hash = templateHash(w.spec, meshed);
    const pods = this.#pods.of(w);
    const done =
      w.state.meshed === meshed &&
      !w.rolling &&
      pods.length === w.state.replicas &&
      pods.every((p) => p.record.templateHash === hash && p.record.ready);
    w.state.meshed = meshed;
    this.#hooks.persist();
    if (done) {
      w.progress = this.progress(w, action, 'complete', `already ${meshed ? 'meshed' : 'unmeshed'}`);
      return w.progress;
    }
    w.progress = this.progress(w, action, 'progressing', `${action} started`);
    this.#hooks.progressed(w);
    this.reconcile(w);
    return w.progress;
  }

  /** The workload's progress as its pods stand now. */
  progress(
    w: WorkloadEntry,
    action: Action,
    state: RolloutProgress['state'],
    message: string,
  ): RolloutProgress {
    const hash = templateHash(w.spec, w.state.meshed);
    const current = this.#pods.of(w).filter((p) => p.record.templateHash === hash);
    return {
      workload: { namespace: w.spec.namespace, name: w.spec.name },
      action,
      total: w.state.replicas,
      updated: Math.min(current.length, w.state.replicas),
      ready: Math.min(current.filter((p) => p.record.ready).length, w.state.replicas),
      state,
      message,
    };
  }

  /** Starts a round for the workload, or asks for another when one is running. */
  reconcile(w: WorkloadEntry): void {
    if (this.#hooks.stopped()) return;
    if (w.rolling) {
      w.again = true;
      return;
    }
    w.rolling = true;
    w.again = false;
    const action = actionOf(w);
    const report = (step: RolloutStep) => {
      w.progress = { workload: { namespace: w.spec.namespace, name: w.spec.name }, action, ...step };
      this.#hooks.progressed(w);
    };
    const { namespace } = w.spec;
    // A newer mesh/unmesh of this workload stops this rollout between steps (or while it waits).
    const cancelled = () => this.#hooks.stopped() || (w.again && action !== actionOf(w));
    if (this.#slots.running >= this.#slots.limit)
      report({
        ...this.progress(w, action, 'progressing', ''),
        message: `queued: ${this.#slots.limit} rollouts are running, this one starts when one ends`,
      });
    let release: () => void = () => {};
    this.#slots
      .acquire()
      .then((r) => {
        release = r;
        return rollOut(
          {
            desired: () => ({
              templateHash: templateHash(w.spec, w.state.meshed),
              replicas: w.state.replicas,
            }),
            pods: () =>
              this.#pods.of(w).map((p) => ({
                name: p.record.name,
                templateHash: p.record.templateHash,
                ready: p.record.ready,
                createdAt: p.record.createdAt,
              })),
            createPod: () => this.#pods.create(w),
            // the old pod leaves its endpoints now; its drain and stop do not hold the rollout
            deletePod: async (name) => this.#pods.terminate(namespace, name),
            waitReady: (name, onDeadline) => this.#pods.waitReady(namespace, name, cancelled, onDeadline),
          },
          report,
          cancelled,
        );
      })
      .catch((err: unknown) =>
        report({ ...w.progress, state: 'failed', message: `rollout error: ${(err as Error).message}` }),
      )
      .finally(() => {
        release();
        w.rolling = false;
        if (w.again && !this.#hooks.stopped()) this.reconcile(w);
      });
  }
}
