/**
 * Route matching cost with 1,000 routes on one authority (mixed Exact, PathPrefix and
 * header matches, a few header-only): µs per `OutboundPlan.match()` for a request that
 * lands on the first, the middle and the last route and one that matches none, for the
 * plan as it serves requests (indexed) and, side by side, a linear scan of the same
 * compiled routes; the same for a 10-route table (`tenRoutes`). Median of several runs;
 * JSON to stdout and to bench/results/route-match.json.
 *
 *   node --import tsx bench/policy/route-match.ts [runs=7] [iterations=200000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutboundPolicy } from '@weft/shared';
import { compileOutbound, type OutboundPlan } from '../../apps/proxy/src/policy/plan.ts';
import type { RequestView } from '../../apps/proxy/src/policy/request-view.ts';
import type { CompiledRoute } from '../../apps/proxy/src/policy/route.ts';
import { median, round } from '../lib/stats.ts';

const ROUTES = 1_000;
const runs = Number(process.argv[2] ?? 7);
const iterations = Number(process.argv[3] ?? 200_000);

/** Route i: Exact, PathPrefix, or a header plus a PathPrefix; every 100th is header-only. */
function routeMatch(i: number) {
  if (i % 100 === 50) return { headers: [{ name: 'x-tenant', type: 'Exact', value: `only-${i}` }] };
  switch (i % 3) {
    case 0:
      return { path: { type: 'Exact', value: `/svc${i}/item` } };
    case 1:
      return { path: { type: 'PathPrefix', value: `/api${i}` } };
    default:
      return {
        path: { type: 'PathPrefix', value: `/h${i}` },
        headers: [{ name: 'x-tenant', type: 'Exact', value: `t${i}` }],
      };
  }
}

function policyOf(routes: number) {
  return OutboundPolicy.parse({
    revision: 1,
    authority: 'web.demo.svc.cluster.local:8080',
    service: { namespace: 'demo', name: 'web', port: 8080 },
    routes: Array.from({ length: routes }, (_, i) => ({
      source: { kind: 'HTTPRoute', namespace: 'demo', name: `r${i}` },
      matches: [routeMatch(i)],
    })),
  });
}

class Req implements RequestView {
  readonly method = 'GET';
  constructor(
    readonly path: string,
    private readonly tenant?: string,
  ) {}
  header(lowerName: string): string | undefined {
    return lowerName === 'x-tenant' ? this.tenant : undefined;
  }
}

/** A request that lands on route i. */
function requestFor(i: number): Req {
  switch (i % 3) {
    case 0:
      return new Req(`/svc${i}/item?x=1`);
    case 1:
      return new Req(`/api${i}/a/b`);
    default:
      return new Req(`/h${i}/x`, `t${i}`);
  }
}

function linear(plan: OutboundPlan, req: RequestView): CompiledRoute | undefined {
  const rs = plan.routes;
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i] as CompiledRoute;
    if (r.test(req)) return r;
  }
  return undefined;
}

/** µs per call of `fn(req)` over `iterations` calls. */
function measure(fn: (req: RequestView) => CompiledRoute | undefined, req: RequestView): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < iterations; k++) if (fn(req) !== undefined) sink++;
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === -1) console.log(sink);
  return ns / iterations / 1000;
}

type Timings = Record<string, { indexedUs: number | null; linearUs: number | null }>;

/** Times first, middle, last and no match on a table of `routes` routes. */
function run(routes: number): { compileMs: number | null; usPerMatch: Timings } {
  const policy = policyOf(routes);
  const compileStart = process.hrtime.bigint();
  const plan = compileOutbound(policy);
  const compileMs = Number(process.hrtime.bigint() - compileStart) / 1e6;
  const mid = Math.floor(routes / 2) - 1;
  const cases: Record<string, { req: Req; want: string | null }> = {
    first: { req: requestFor(0), want: 'r0' },
    middle: { req: requestFor(mid), want: `r${mid}` },
    last: { req: requestFor(routes - 1), want: `r${routes - 1}` },
    none: { req: new Req('/nowhere/at/all?q=1', 'nobody'), want: null },
  };
  const indexed = (req: RequestView) => plan.match(req);
  const scan = (req: RequestView) => linear(plan, req);
  const out: Timings = {};
  for (const [name, { req, want }] of Object.entries(cases)) {
    const got = plan.match(req)?.source.name ?? null;
    if (got !== want || (linear(plan, req)?.source.name ?? null) !== want) {
      throw new Error(`${routes} routes, ${name}: expected route ${want}, matched ${got}`);
    }
    const a: number[] = [];
    const b: number[] = [];
    measure(indexed, req); // warm-up
    measure(scan, req);
    for (let r = 0; r < runs; r++) {
      a.push(measure(indexed, req));
      b.push(measure(scan, req));
    }
    out[name] = { indexedUs: round(median(a), 3), linearUs: round(median(b), 3) };
  }
  return { compileMs: round(compileMs, 1), usPerMatch: out };
}

const large = run(ROUTES);
const small = run(10);
const result = {
  benchmark: 'route-match',
  routes: ROUTES,
  runs,
  iterations,
  node: process.version,
  compileMs: large.compileMs,
  usPerMatch: large.usPerMatch,
  tenRoutes: small.usPerMatch,
  note: 'median of runs; indexed and linear measured alternately in one process; shared, loaded machine',
};
const json = JSON.stringify(result, null, 2);
console.log(json);
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.join(here, '..', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'route-match.json'), `${json}\n`);
