/**
 * The two views of an edge and how they are merged. A call between two workloads can be
 * counted twice: by the caller's proxy on its outbound side and by the callee's proxy on
 * its inbound side. Each side may see only part of it (a caller meshed halfway through
 * the window is seen on its outbound side only after its proxy started; an inbound
 * connection without a client identity cannot be tied to a caller). These helpers keep
 * one count per call.
 */
import type { GoldenMetrics } from '@weft/shared';

/** What one side counted for one caller → callee pair. */
export interface EdgeView {
  metrics: GoldenMetrics;
  /** Requests among `metrics.requests` that were mTLS. */
  securedRequests: number;
  /** The callee's identity as the caller verified it (outbound side), or the caller's (inbound). */
  identity: string;
}

/**
 * Inbound requests that could not be tied to a caller may still be accounted for by
 * callers' outbound views; what is left over is attributed to an unknown caller only
 * when it exceeds this share of them (scrapes of two proxies are not simultaneous, so
 * the two sides' counts in one window differ a little), and at least one request.
 */
export const UNATTRIBUTED_TOLERANCE = 0.1;

/** The sum of two views' golden metrics; latency quantiles are those of the larger part. */
export function sumGolden(a: GoldenMetrics, b: GoldenMetrics): GoldenMetrics {
  const requests = a.requests + b.requests;
  const failures = a.failures + b.failures;
  const larger = b.requests > a.requests ? b : a;
  return {
    successRate: requests > 0 ? (requests - failures) / requests : null,
    rps: a.rps + b.rps,
    latencyP50Ms: larger.latencyP50Ms,
    latencyP95Ms: larger.latencyP95Ms,
    latencyP99Ms: larger.latencyP99Ms,
    requests,
    failures,
  };
}

/** Adds `extra` into `into` (a new object; `into` may be undefined). */
export function addView(into: EdgeView | undefined, extra: EdgeView): EdgeView {
  if (into === undefined) return { ...extra };
  return {
    metrics: sumGolden(into.metrics, extra.metrics),
    securedRequests: into.securedRequests + extra.securedRequests,
    identity: into.identity || extra.identity,
  };
}

/** `m` scaled to `factor` of its requests (rates and counts scaled, ratios and latencies kept). */
export function scaleGolden(m: GoldenMetrics, factor: number): GoldenMetrics {
  return { ...m, rps: m.rps * factor, requests: m.requests * factor, failures: m.failures * factor };
}

/**
 * The view that counted more of the pair's calls: the other one missed some (a side
 * that was not meshed yet, or could not name the caller). On a tie the outbound view
 * wins, as in Linkerd, since it measures latency as the caller saw it.
 */
export function fuller(outbound: EdgeView | undefined, inbound: EdgeView | undefined): EdgeView | undefined {
  if (outbound === undefined) return inbound;
  if (inbound === undefined) return outbound;
  return inbound.metrics.requests > outbound.metrics.requests ? inbound : outbound;
}

/** mTLS requests as a share of all, 0..1 (0 without requests). */
export function securedShareOf(v: EdgeView): number {
  const total = v.metrics.requests;
  return total > 0 ? Math.min(1, Math.max(0, v.securedRequests / total)) : 0;
}
