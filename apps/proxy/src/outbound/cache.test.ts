import type { EndpointSet } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BUDGET } from '../balance/budget.ts';
import type { ConcreteService } from '../balance/concrete.ts';
import type { TargetMetrics } from '../metrics/handles.ts';
import type { ResolveCallback, Resolver } from '../resolve/types.ts';
import { directEndpoint, TargetCache } from './cache.ts';

const noMetrics: TargetMetrics = { http: { request() {}, response() {} }, tcp: { open() {}, close() {} } };

class FakeResolver implements Resolver {
  subscribed = new Map<string, ResolveCallback>();
  unsubscribed: string[] = [];
  resolve(authority: string, cb: ResolveCallback): () => void {
    this.subscribed.set(authority, cb);
    return () => this.unsubscribed.push(authority);
  }
  close(): void {}
  push(set: EndpointSet): void {
    this.subscribed.get(set.authority)?.(set);
  }
}

function cache(resolver: Resolver) {
  return new TargetCache({
    resolver,
    metricsFor: () => noMetrics,
    authorityMetrics: () => noMetrics,
    staticPlans: {},
    budget: DEFAULT_RETRY_BUDGET,
    cacheIdleMs: 1000,
    poolIdleMs: 1000,
  });
}

describe('TargetCache', () => {
  it('builds one target per authority (case-insensitively) and drops it when idle', () => {
    const r = new FakeResolver();
    const c = cache(r);
    const t = c.get('Web.Demo:80');
    expect(c.get('web.demo:80')).toBe(t);
    expect([...r.subscribed.keys()]).toEqual(['web.demo:80']);
    const concrete = t.concrete as ConcreteService;
    // in use: kept
    concrete.holders = 1;
    c.sweep(concrete.lastUsed + 5000);
    expect(c.size).toBe(1);
    // idle past cacheIdleMs: dropped and unsubscribed
    concrete.holders = 0;
    c.sweep(concrete.lastUsed + 5000);
    expect(c.size).toBe(0);
    expect(r.unsubscribed).toEqual(['web.demo:80']);
    expect(c.get('web.demo:80')).not.toBe(t);
  });

  it('forwards an IP:port that is not a service directly, and fails a name that is not', async () => {
    const r = new FakeResolver();
    const c = cache(r);
    const ip = c.get('127.20.0.3:8080').concrete as ConcreteService;
    r.push({ authority: '127.20.0.3:8080', service: null, endpoints: [] });
    expect(ip.pick()?.address).toBe('127.20.0.3');
    const name = c.get('nope.demo:80').concrete;
    r.push({ authority: 'nope.demo:80', service: null, endpoints: [] });
    const err = await new Promise<Error | null>((res) => name.whenReady(res));
    expect(err?.message).toMatch(/not a mesh service/);
    expect(directEndpoint('10.0.0.1:99999')).toBeUndefined();
  });
});
