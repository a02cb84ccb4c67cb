// The route index must answer exactly what a linear scan of the same routes answers:
// checked on random tables and random requests from a seeded generator.
import { OutboundPolicy, type RouteMatchPlan } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { compileOutbound, INDEX_MIN_ROUTES } from './plan.ts';
import type { RequestView } from './request-view.ts';

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENTS = ['a', 'b', 'api', 'v1', 'items', 'x.y', ''];
const METHODS = ['GET', 'POST', 'DELETE'];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}

function randomPath(rand: () => number): string {
  const depth = 1 + Math.floor(rand() * 3);
  let p = '';
  for (let i = 0; i < depth; i++) p += `/${pick(rand, SEGMENTS)}`;
  if (rand() < 0.3) p += `?q=${pick(rand, ['1', '2'])}`;
  return p;
}

function randomMatch(rand: () => number): z.input<typeof RouteMatchPlan> {
  const m: z.input<typeof RouteMatchPlan> = {};
  const k = rand();
  const path = randomPath(rand).split('?')[0] as string;
  if (k < 0.3) m.path = { type: 'Exact', value: path };
  else if (k < 0.65) m.path = { type: 'PathPrefix', value: rand() < 0.03 ? '/' : path };
  else if (k < 0.75) m.path = { type: 'RegularExpression', value: `/${pick(rand, SEGMENTS)}/.*` };
  else if (k < 0.85) m.grpc = { type: 'Exact', service: pick(rand, SEGMENTS) || 'svc', method: 'M' };
  if (k >= 0.85 || rand() < 0.3) m.headers = [{ name: 'x-h', type: 'Exact', value: pick(rand, ['1', '2']) }];
  if (rand() < 0.15) m.queryParams = [{ name: 'q', type: 'Exact', value: pick(rand, ['1', '2']) }];
  if (rand() < 0.15) m.method = pick(rand, METHODS);
  return m;
}

class Req implements RequestView {
  constructor(
    readonly path: string,
    readonly method: string,
    private readonly h: string | undefined,
  ) {}
  header(name: string): string | undefined {
    return name === 'x-h' ? this.h : undefined;
  }
}

describe('RouteIndex', () => {
  it('picks the same first route as a linear scan on random tables', () => {
    const rand = seeded(1234);
    let compared = 0;
    let matched = 0;
    for (let table = 0; table < 40; table++) {
      const n = INDEX_MIN_ROUTES + 1 + Math.floor(rand() * 60);
      const plan = compileOutbound(
        OutboundPolicy.parse({
          revision: 1,
          authority: 'svc.ns.svc.cluster.local:80',
          service: null,
          routes: Array.from({ length: n }, (_, i) => ({
            source: { kind: 'HTTPRoute', namespace: 'ns', name: `r${i}` },
            matches: Array.from({ length: rand() < 0.01 ? 0 : 1 + Math.floor(rand() * 2) }, () =>
              randomMatch(rand),
            ),
          })),
        }),
      );
      for (let k = 0; k < 200; k++) {
        const path = rand() < 0.1 ? `/${pick(rand, SEGMENTS)}/M` : randomPath(rand);
        const req = new Req(path, pick(rand, METHODS), rand() < 0.5 ? pick(rand, ['1', '2']) : undefined);
        const linear = plan.routes.find((r) => r.test(req));
        expect(plan.match(req), `${req.method} ${req.path}`).toBe(linear);
        compared++;
        if (linear) matched++;
      }
    }
    expect(compared).toBe(8000);
    // the tables are neither all-matching nor never-matching
    expect(matched).toBeGreaterThan(compared * 0.2);
    expect(matched).toBeLessThan(compared * 0.98);
  });
});
