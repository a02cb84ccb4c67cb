/**
 * A small client for Prometheus' HTTP query API (`/api/v1/query`, `/api/v1/query_range`).
 * Failures (unreachable, timeout, a query error) become `WEFT_UNAVAILABLE` errors that
 * name the Prometheus URL and what it said.
 */
import { ErrorCode, MeshError } from '@weft/shared';

/** One series of an instant vector. */
export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

/** One series of a range matrix. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<{ t: number; v: number }>;
}

export class PrometheusClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Evaluates `query` at `atMs` (ms since epoch). */
  async query(query: string, atMs: number): Promise<InstantSample[]> {
    const data = await this.get('/api/v1/query', { query, time: (atMs / 1000).toFixed(3) });
    if (data.resultType !== 'vector' || !Array.isArray(data.result)) {
      throw this.error(`expected a vector for ${query}, got ${String(data.resultType)}`);
    }
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  }

  /** Evaluates `query` from `startMs` to `endMs` every `stepSeconds`. */
  async queryRange(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
  ): Promise<RangeSeries[]> {
    const data = await this.get('/api/v1/query_range', {
      query,
      start: (startMs / 1000).toFixed(3),
      end: (endMs / 1000).toFixed(3),
      step: String(stepSeconds),
    });
    if (data.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw this.error(`expected a matrix for ${query}, got ${String(data.resultType)}`);
    }
    return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map(
      (r) => ({ metric: r.metric, values: r.values.map(([t, v]) => ({ t: t * 1000, v: Number(v) })) }),
    );
  }

  private async get(path: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = new URL(path, this.baseUrl);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw this.error(`unreachable: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    let body: { status?: string; data?: Record<string, unknown>; error?: string };
    try {
      body = (await res.json()) as typeof body;
    } catch (err) {
      throw this.error(`answered HTTP ${res.status} without JSON`, err);
    }
    if (body.status !== 'success' || body.data === undefined) {
      throw this.error(`query failed (HTTP ${res.status}): ${body.error ?? 'no error message'}`);
    }
    return body.data;
  }

  private error(message: string, cause?: unknown): MeshError {
    return new MeshError(ErrorCode.unavailable, `Prometheus at ${this.baseUrl} ${message}`, { cause });
  }
}
