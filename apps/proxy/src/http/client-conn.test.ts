import type { Endpoint } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { EndpointState, type PooledConn } from '../balance/endpoint.ts';
import type { TargetMetrics } from '../metrics/handles.ts';
import { MESHED_POOL_IDLE_MS, sweepIdle } from './client-conn.ts';

const noMetrics: TargetMetrics = {
  http: { request() {}, response() {} },
  tcp: { open() {}, close() {} },
};

function endpoint(meshed: boolean): EndpointState {
  const meta: Endpoint = {
    address: '127.0.0.1',
    port: 8080,
    pod: 'p',
    workload: 'w',
    namespace: 'n',
    meshed,
  };
  return new EndpointState(meta, noMetrics);
}

/** Pools connections that went idle at the given times (oldest first, as the pool keeps them). */
function pool(ep: EndpointState, idleSince: number[]): string[] {
  const closed: string[] = [];
  for (const t of idleSince) {
    const c: PooledConn = { idleSince: t, destroy: () => closed.push(`idle since ${t}`) };
    ep.idle.push(c);
  }
  return closed;
}

describe('sweepIdle', () => {
  it('closes connections idle longer than the limit, and keeps the rest', () => {
    const ep = endpoint(false);
    const closed = pool(ep, [0, 1_000, 9_000]);
    sweepIdle(ep, 10_000, 4_000);
    expect(closed).toEqual(['idle since 0', 'idle since 1000']);
    expect(ep.idle.map((c) => c.idleSince)).toEqual([9_000]);
  });

  it('keeps connections to a meshed endpoint (a handshake to reopen) for longer', () => {
    const ep = endpoint(true);
    const closed = pool(ep, [0, 20_000, 29_000]);
    sweepIdle(ep, 29_500, 4_000);
    expect(closed).toEqual([]);
    sweepIdle(ep, MESHED_POOL_IDLE_MS + 21_000, 4_000);
    expect(closed).toEqual(['idle since 0', 'idle since 20000']);
    expect(ep.idle.map((c) => c.idleSince)).toEqual([29_000]);
  });
});
