/**
 * Reading Grafana dashboards as test data: every panel query (`targets[].expr`, rows and
 * nested panels included), the template variables, Grafana's variable substitution, and
 * `label_values(...)` turned into PromQL; plus an instant query against a Prometheus.
 */
import { readFileSync } from 'node:fs';

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

export interface TemplateVariable {
  name: string;
  /** A `label_values(...)` query, or '' when the variable has none. */
  query: string;
}

export interface Dashboard {
  name: string;
  queries: DashboardQuery[];
  variables: TemplateVariable[];
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Loads a dashboard JSON file: its queries in panel order and its query variables. */
export function loadDashboard(name: string, path: string): Dashboard {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    panels?: Panel[];
    rows?: { panels?: Panel[] }[];
    templating?: { list?: { name: string; type: string; query?: unknown }[] };
  };
  const queries: DashboardQuery[] = [];
  const walk = (panels: Panel[] | undefined) => {
    for (const p of panels ?? []) {
      walk(p.panels);
      for (const t of p.targets ?? []) {
        if (typeof t.expr === 'string' && t.expr.trim() !== '')
          queries.push({ dashboard: name, panel: p.title ?? '', expr: t.expr });
      }
    }
  };
  walk(json.panels);
  for (const r of json.rows ?? []) walk(r.panels);
  const variables = (json.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => ({
      name: v.name,
      query:
        typeof v.query === 'string'
          ? v.query
          : String((v.query as { query?: string } | undefined)?.query ?? ''),
    }));
  return { name, queries, variables };
}

/**
 * Substitutes Grafana variables (`$name`, `${name}`, `$__rate_interval`) with `values`.
 * Throws naming any variable left without a value.
 */
export function substitute(expr: string, values: Record<string, string>): string {
  const out = expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const v = values[name];
      if (v === undefined) throw new Error(`no value for the Grafana variable ${whole} in: ${expr}`);
      return v;
    },
  );
  return out;
}

/** `label_values(expr, label)` as PromQL listing each value once, with the label it lists. */
export function labelValuesQuery(query: string): { promql: string; label: string } | undefined {
  const m = /^\s*label_values\(\s*(.*?)\s*,\s*(\w+)\s*\)\s*$/s.exec(query);
  if (m) return { promql: `group by (${m[2]}) (${m[1]})`, label: m[2] as string };
  const bare = /^\s*label_values\(\s*(\w+)\s*\)\s*$/.exec(query);
  if (bare) return { promql: `group by (${bare[1]}) ({${bare[1]}!=""})`, label: bare[1] as string };
  return undefined;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query; a query Prometheus rejects throws with its error. */
export async function instantQuery(url: string, promql: string): Promise<Sample[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] | [number, string] };
  };
  if (body.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${body.error}`);
  const data = body.data;
  if (data?.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
  return (data?.result as Sample[] | undefined) ?? [];
}

/**
 * Whether a result would draw something in a panel: at least one finite value other
 * than 0. NaN (0/0, or a histogram with nothing in the window) is no data, and neither
 * is a rate of 0 (a counter that stopped growing, or a series that never did).
 */
export function hasData(samples: Sample[]): boolean {
  return samples.some((s) => {
    const v = Number(s.value[1]);
    return Number.isFinite(v) && v !== 0;
  });
}
