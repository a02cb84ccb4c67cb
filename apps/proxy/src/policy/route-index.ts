/**
 * An index over a long route table that keeps first-match order: each route is filed
 * under the exact paths and first path segments its matches require (or under "any"
 * when a match does not narrow the path). A request then tests only the routes filed
 * under its own path and first segment plus the "any" routes, in route order, so the
 * first route that holds is the same one a linear scan finds.
 */
import type { CompiledMatch } from './match.ts';
import type { RequestView } from './request-view.ts';
import type { CompiledRoute } from './route.ts';

const NONE = new Int32Array(0);

export class RouteIndex {
  private readonly exact = new Map<string, Int32Array>();
  private readonly segment = new Map<string, Int32Array>();
  private readonly any: Int32Array;

  constructor(private readonly routes: readonly CompiledRoute[]) {
    const exact = new Map<string, number[]>();
    const segment = new Map<string, number[]>();
    const any: number[] = [];
    for (const [i, route] of routes.entries()) {
      if (route.matches.length === 0) {
        any.push(i);
        continue;
      }
      for (const m of route.matches as readonly CompiledMatch[]) {
        const key = m.pathKey();
        if (key.kind === 'exact') fileUnder(exact, key.path, i);
        else if (key.kind === 'segment') fileUnder(segment, key.segment, i);
        else if (any[any.length - 1] !== i) any.push(i);
      }
    }
    for (const [k, v] of exact) this.exact.set(k, Int32Array.from(v));
    for (const [k, v] of segment) this.segment.set(k, Int32Array.from(v));
    this.any = Int32Array.from(any);
  }

  /** The first route, in table order, that the request matches. */
  match(req: RequestView): CompiledRoute | undefined {
    const path = req.path;
    const q = path.indexOf('?');
    const len = q < 0 ? path.length : q;
    let segEnd = path.indexOf('/', 1);
    if (segEnd < 0 || segEnd > len) segEnd = len;
    const a = this.exact.get(q < 0 ? path : path.slice(0, q)) ?? NONE;
    const b = this.segment.get(path.slice(1, segEnd)) ?? NONE;
    const c = this.any;
    let ia = 0;
    let ib = 0;
    let ic = 0;
    const routes = this.routes;
    for (;;) {
      const va = ia < a.length ? (a[ia] as number) : 0x7fffffff;
      const vb = ib < b.length ? (b[ib] as number) : 0x7fffffff;
      const vc = ic < c.length ? (c[ic] as number) : 0x7fffffff;
      const next = Math.min(va, vb, vc);
      if (next === 0x7fffffff) return undefined;
      const route = routes[next] as CompiledRoute;
      if (route.test(req)) return route;
      if (va === next) ia++;
      if (vb === next) ib++;
      if (vc === next) ic++;
    }
  }
}

function fileUnder(map: Map<string, number[]>, key: string, route: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [route]);
  else if (list[list.length - 1] !== route) list.push(route);
}
