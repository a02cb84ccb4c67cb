/**
 * Rolling a workload to its desired pod template and replica count, one pod at a time
 * with at most one extra pod (maxSurge 1, maxUnavailable 0): a new pod must be ready
 * before an old one stops. Pure logic over a `RolloutDriver`, so it is tested without
 * processes. A new pod that crash-loops or goes away stops the rollout with a failed
 * status; the old pods keep serving. A pod slower than the progress deadline (Kubernetes'
 * `progressDeadlineSeconds`) is reported as not progressing, and the rollout keeps
 * waiting for it: once it is ready the old pod goes, as usual.
 */

/** A pod as the rollout sees it. */
export interface RolloutPod {
  name: string;
  templateHash: string;
  ready: boolean;
  createdAt: string;
}

export type ReadyResult = { ready: true } | { ready: false; reason: string };

export interface RolloutDriver {
  /** The desired template hash and replica count, read afresh at every step. */
  desired(): { templateHash: string; replicas: number };
  /** The workload's pods that are not terminating. */
  pods(): RolloutPod[];
  /** Starts a pod from the desired template; returns its name. */
  createPod(): Promise<string>;
  /**
   * Takes the pod out of its endpoints (it is then terminating, no longer among `pods()`);
   * its drain and stop may go on after this resolves.
   */
  deletePod(name: string): Promise<void>;
  /**
   * Resolves when the pod is ready, or with the reason it will not be (also early, once the
   * rollout is cancelled). Calls `onDeadline` once if the progress deadline passes first,
   * and keeps waiting.
   */
  waitReady(name: string, onDeadline: (reason: string) => void): Promise<ReadyResult>;
}

export interface RolloutStep {
  total: number;
  updated: number;
  ready: number;
  state: 'progressing' | 'complete' | 'failed';
  message: string;
  /** Set while a pod is past the progress deadline (the rollout still waits for it). */
  progressDeadlineExceeded?: boolean;
}

const SUPERSEDED = 'superseded by a newer change';

function byAge(a: RolloutPod, b: RolloutPod) {
  return a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name);
}

/** Runs the rollout to completion or failure, reporting each step; `isCancelled` stops it between steps. */
export async function rollOut(
  driver: RolloutDriver,
  report: (step: RolloutStep) => void,
  isCancelled: () => boolean = () => false,
): Promise<RolloutStep> {
  for (let guard = 0; guard < 1000; guard++) {
    const { templateHash, replicas } = driver.desired();
    const pods = driver.pods().sort(byAge);
    const current = pods.filter((p) => p.templateHash === templateHash);
    const old = pods.filter((p) => p.templateHash !== templateHash);
    const step = (state: RolloutStep['state'], message: string, pastDeadline = false): RolloutStep => {
      const s: RolloutStep = {
        total: replicas,
        updated: Math.min(current.length, replicas),
        ready: Math.min(current.filter((p) => p.ready).length, replicas),
        state,
        message,
        ...(pastDeadline ? { progressDeadlineExceeded: true } : {}),
      };
      report(s);
      return s;
    };
    const notProgressing = (reason: string) => {
      step('progressing', `not progressing: ${reason}; still waiting for it`, true);
    };
    if (isCancelled()) return step('progressing', SUPERSEDED);

    const unreadyOld = old.find((p) => !p.ready);
    if (unreadyOld) {
      step('progressing', `removing pod ${unreadyOld.name} (old template, not ready)`);
      await driver.deletePod(unreadyOld.name);
      continue;
    }
    if (current.length > replicas) {
      const extra = current.find((p) => !p.ready) ?? (current.at(-1) as RolloutPod);
      step('progressing', `removing pod ${extra.name} (scaling down)`);
      await driver.deletePod(extra.name);
      continue;
    }
    const unreadyCurrent = current.filter((p) => !p.ready);
    if (old.length > 0 && current.length + old.length > replicas) {
      for (const p of unreadyCurrent) {
        step('progressing', `waiting for pod ${p.name} to become ready`);
        const r = await driver.waitReady(p.name, notProgressing);
        if (!r.ready && isCancelled()) return step('progressing', SUPERSEDED);
        if (!r.ready) return step('failed', `rollout stopped: ${r.reason}; the old pods keep serving`);
      }
      const victim = old[0] as RolloutPod;
      step('progressing', `stopping old pod ${victim.name}`);
      await driver.deletePod(victim.name);
      continue;
    }
    if (current.length < replicas) {
      step('progressing', `starting a new pod (${current.length + 1} of ${replicas})`);
      const name = await driver.createPod();
      const r = await driver.waitReady(name, notProgressing);
      if (!r.ready && isCancelled()) return step('progressing', SUPERSEDED);
      if (!r.ready) {
        const kept = old.length ? '; the old pods keep serving' : '';
        return step('failed', `rollout stopped: ${r.reason}${kept}`);
      }
      continue;
    }
    for (const p of unreadyCurrent) {
      step('progressing', `waiting for pod ${p.name} to become ready`);
      const r = await driver.waitReady(p.name, notProgressing);
      if (!r.ready && isCancelled()) return step('progressing', SUPERSEDED);
      if (!r.ready) return step('failed', `rollout stopped: ${r.reason}`);
    }
    if (unreadyCurrent.length) continue;
    return step('complete', `${replicas} of ${replicas} pods updated and ready`);
  }
  throw new Error('rollout did not converge');
}
