/**
 * Which of a proxy's labels the embedded store keeps. Golden metrics and edges only need
 * who answered (direction, namespace, deployment, pod), who it talked to (dst_* on
 * outbound, client identity, src_* or a plaintext caller's src_addr on inbound) and whether it was mTLS; labels such as
 * `status_code` or `authority` are summed away at ingest, which is what keeps the store
 * small. The metric-specific column (`classification`, `le`) is kept separately.
 */
import { LATENCY_BUCKETS_MS, LabelKey } from '@weft/shared';
import { parseLe } from './exposition.ts';

/** The label keys a stored group keeps, in key order. */
export const KEPT_LABELS = [
  LabelKey.direction,
  LabelKey.namespace,
  LabelKey.deployment,
  LabelKey.pod,
  LabelKey.dstNamespace,
  LabelKey.dstDeployment,
  LabelKey.tls,
  LabelKey.clientId,
  LabelKey.serverId,
  LabelKey.srcNamespace,
  LabelKey.srcDeployment,
  LabelKey.srcAddr,
] as const;

export type KeptLabel = (typeof KEPT_LABELS)[number];

/** A stored group's labels; absent labels are the empty string (as PromQL treats them). */
export type GroupLabels = Readonly<Record<KeptLabel, string>>;

/** Who a scraped proxy runs for: fills `namespace`/`deployment`/`pod` a sample lacks. */
export interface TargetIdentity {
  namespace: string;
  workload: string;
  pod: string;
}

/** Reduces a sample's labels to a group's, filling the proxy's own identity where missing. */
export function groupLabels(labels: Record<string, string>, target: TargetIdentity): GroupLabels {
  const out = {} as Record<KeptLabel, string>;
  for (const k of KEPT_LABELS) out[k] = labels[k] ?? '';
  if (out.namespace === '') out.namespace = target.namespace;
  if (out.deployment === '') out.deployment = target.workload;
  if (out.pod === '') out.pod = target.pod;
  return out;
}

/** The map key of a group (its kept label values joined). */
export function groupKey(l: GroupLabels): string {
  let s = '';
  for (const k of KEPT_LABELS) s += `${l[k]}\u001f`;
  return s;
}

// === Columns: what each stored number of a group counts ===

/** Column of successful responses (`response_total{classification="success"}`). */
export const COL_SUCCESS = 0;
/** Column of failed responses. */
export const COL_FAILURE = 1;
/** First latency bucket column; then one per bound of `LATENCY_BUCKETS_MS`, then `+Inf`. */
export const COL_BUCKET0 = 2;
/** The bucket bounds the columns hold, `+Inf` last. */
export const BUCKET_BOUNDS: readonly number[] = [...LATENCY_BUCKETS_MS, Number.POSITIVE_INFINITY];
/** Numbers stored per group per tick. */
export const WIDTH = COL_BUCKET0 + BUCKET_BOUNDS.length;

const BUCKET_COLUMN = new Map<number, number>(BUCKET_BOUNDS.map((le, i) => [le, COL_BUCKET0 + i]));

/** The column of an `le` label value, or -1 when it is not one of the shared bounds. */
export function bucketColumn(le: string | undefined): number {
  if (le === undefined) return -1;
  return BUCKET_COLUMN.get(parseLe(le)) ?? -1;
}
