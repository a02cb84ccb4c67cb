/**
 * Which proxies run which policy revision: reads the `weft_policy_revision` gauge from
 * each meshed pod's admin `/metrics` (the same fetch the metrics scraper uses), a few at
 * a time, each bounded in time. A proxy that cannot be read is listed with the reason; one
 * with policy streams that have had no update yet (`weft_policy_streams_waiting`: it
 * reports no revision then) is listed as not current, saying so.
 */
import {
  POLICY_REVISION_METRIC,
  POLICY_STREAMS_WAITING_METRIC,
  type Pod,
  type ProxyPolicyRevision,
} from '@weft/shared';
import { parseExposition } from '../metrics/exposition.ts';
import { fetchMetrics } from '../metrics/scraper.ts';

export const PROPAGATION_TIMEOUT_MS = 1_000;
const CONCURRENCY = 16;

/** Reads one admin endpoint's `/metrics`. Replaceable in tests. */
export type MetricsReader = (admin: string, timeoutMs: number) => Promise<string>;

/** The lowest `weft_policy_revision` in a `/metrics` text, or undefined when absent. */
export function reportedRevision(text: string): number | undefined {
  const samples = parseExposition(text, (name) => name === POLICY_REVISION_METRIC);
  if (samples.length === 0) return undefined;
  return Math.min(...samples.map((s) => s.value));
}

async function readOne(pod: Pod & { proxyAdmin: string }, read: MetricsReader): Promise<ProxyPolicyRevision> {
  const base = { namespace: pod.namespace, pod: pod.name, workload: pod.workload, admin: pod.proxyAdmin };
  try {
    const text = await read(pod.proxyAdmin, PROPAGATION_TIMEOUT_MS);
    const revision = reportedRevision(text);
    const waiting = parseExposition(text, (name) => name === POLICY_STREAMS_WAITING_METRIC).reduce(
      (n, s) => n + s.value,
      0,
    );
    if (waiting > 0 && (revision === undefined || !Number.isFinite(revision)))
      return {
        ...base,
        revision: null,
        error: `${waiting} of its policy streams ${waiting === 1 ? 'has' : 'have'} had no update yet`,
      };
    if (revision === undefined || !Number.isFinite(revision))
      return { ...base, revision: null, error: `no ${POLICY_REVISION_METRIC} on /metrics` };
    return { ...base, revision };
  } catch (err) {
    return { ...base, revision: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Every meshed pod's reported revision, sorted by namespace and pod. */
export async function readProxyRevisions(
  pods: readonly Pod[],
  read: MetricsReader = fetchMetrics,
): Promise<ProxyPolicyRevision[]> {
  const targets = pods.filter((p): p is Pod & { proxyAdmin: string } => p.meshed && p.proxyAdmin !== null);
  const out: ProxyPolicyRevision[] = [];
  for (let i = 0; i < targets.length; i += CONCURRENCY)
    out.push(...(await Promise.all(targets.slice(i, i + CONCURRENCY).map((p) => readOne(p, read)))));
  return out.sort((a, b) => `${a.namespace}/${a.pod}`.localeCompare(`${b.namespace}/${b.pod}`));
}
