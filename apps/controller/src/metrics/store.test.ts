import { describe, expect, it } from 'vitest';
import { EmbeddedBackend } from './embedded-backend.ts';
import { parseExposition } from './exposition.ts';
import { WIDTH } from './series-labels.ts';
import { INGESTED_NAMES, MetricsStore } from './store.ts';
import { exposition, type FakeCounters } from './test-util.ts';

const ID = { namespace: 'demo', workload: 'web', pod: 'web-1' };
const INBOUND = { direction: 'inbound', namespace: 'demo', deployment: 'web', pod: 'web-1', tls: 'false' };

function counters(success: number, failure: number, latenciesMs: number[] = []): FakeCounters {
  return { labels: INBOUND, success, failure, latenciesMs };
}

/** Runs one scrape round at `t` seconds with the given text for target web-1. */
function round(store: MetricsStore, t: number, text: string, key = 'web-1') {
  const tick = store.beginTick(t * 1000);
  store.ingest(
    key,
    ID,
    tick,
    parseExposition(text, (n) => INGESTED_NAMES.has(n)),
  );
}

async function workloadGolden(store: MetricsStore, seconds: number, atMs?: number) {
  const rows = await new EmbeddedBackend(store).golden({
    direction: 'inbound',
    match: [{ label: 'deployment', op: '=', value: 'web' }],
    by: ['namespace', 'deployment'],
    seconds,
    atMs,
  });
  return rows[0]?.metrics;
}

describe('MetricsStore', () => {
  it('counts what grew after the first scrape, which is only a baseline', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    round(s, 0, exposition([counters(100, 10, [])]));
    round(s, 5, exposition([counters(130, 20, [])]));
    round(s, 10, exposition([counters(160, 20, [])]));
    const m = await workloadGolden(s, 60);
    expect(m).toMatchObject({ requests: 70, failures: 10, rps: 70 / 60 });
    expect(m?.successRate).toBeCloseTo(60 / 70, 10);
  });

  it('a counter reset counts the new value: no negative or jumping rate', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    round(s, 0, exposition([counters(1000, 0)]));
    round(s, 5, exposition([counters(1010, 0)]));
    round(s, 10, exposition([counters(4, 0)])); // restarted: 4 since start
    round(s, 15, exposition([counters(9, 0)]));
    const m = await workloadGolden(s, 60);
    expect(m?.requests).toBe(10 + 4 + 5);
    const points = await new EmbeddedBackend(s).series({
      direction: 'inbound',
      match: [],
      seconds: 20,
      stepSeconds: 5,
    });
    expect(points.map((p) => p.requests)).toEqual([0, 10, 4, 5]);
    for (const p of points) expect(p.rps).toBeGreaterThanOrEqual(0);
  });

  it('a changed process start time means a restart even when counters went up', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    round(s, 0, exposition([counters(5, 0)], 1000));
    round(s, 5, exposition([counters(8, 0)], 1000));
    round(s, 10, exposition([counters(20, 0)], 2000)); // new process served 20 already
    expect((await workloadGolden(s, 60))?.requests).toBe(3 + 20);
  });

  it('a series first seen on a known proxy counts from zero; a scrape failure loses nothing', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    round(s, 0, exposition([]));
    round(s, 5, exposition([counters(7, 1)]));
    s.beginTick(10_000); // the scrape at 10 s failed
    round(s, 15, exposition([counters(12, 1)]));
    expect((await workloadGolden(s, 60))?.requests).toBe(13);
  });

  it('a proxy that started while the scraper watched counts from zero on its first scrape', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    s.beginTick(0); // its first scrapes failed
    const tick = s.beginTick(5000);
    s.ingest(
      'web-1',
      ID,
      tick,
      parseExposition(exposition([counters(7, 2)]), (n) => INGESTED_NAMES.has(n)),
      {
        fresh: true,
      },
    );
    expect((await workloadGolden(s, 60))?.requests).toBe(9);
  });

  it('computes latency percentiles from the bucket increases (hand-checked)', async () => {
    const s = new MetricsStore({ capacity: 100, maxGroups: 100 });
    round(s, 0, exposition([counters(0, 0, [])]));
    // 100 requests: 50 at 3 ms, 40 at 15 ms, 10 at 150 ms.
    const lat = [...Array(50).fill(3), ...Array(40).fill(15), ...Array(10).fill(150)];
    round(s, 5, exposition([counters(100, 0, lat)]));
    const m = await workloadGolden(s, 60);
    // p50: rank 50 is the top of bucket (2,3] → 3 ms.
    expect(m?.latencyP50Ms).toBeCloseTo(3, 10);
    // p95: rank 95, 90 below 20 ms, bucket (100,200] holds 10: 100 + 100 × 5/10.
    expect(m?.latencyP95Ms).toBeCloseTo(150, 10);
    // p99: 100 + 100 × 9/10.
    expect(m?.latencyP99Ms).toBeCloseTo(190, 10);
  });

  it('answers windows ending at a chosen time, and a series per step', async () => {
    const s = new MetricsStore({ capacity: 1000, maxGroups: 100 });
    let total = 0;
    for (let t = 0; t <= 600; t += 5) {
      round(s, t, exposition([counters(total, 0)]));
      total += 10; // 2 rps
    }
    expect((await workloadGolden(s, 60))?.rps).toBeCloseTo(2, 10);
    expect((await workloadGolden(s, 300))?.requests).toBe(600);
    expect((await workloadGolden(s, 60, 300_000))?.requests).toBe(120);
    const points = await new EmbeddedBackend(s).series({
      direction: 'inbound',
      match: [],
      seconds: 60,
      stepSeconds: 10,
    });
    expect(points).toHaveLength(6);
    expect(points.at(-1)?.timestamp).toBe(600_000);
    for (const p of points) expect(p.rps).toBeCloseTo(2, 10);
  });

  it('expires groups whose data left the ring', () => {
    const s = new MetricsStore({ capacity: 10, maxGroups: 100 });
    round(s, 0, exposition([counters(0, 0)]));
    round(s, 5, exposition([counters(5, 0)]));
    expect(s.groupCount).toBe(1);
    for (let t = 10; t < 60; t += 5) round(s, t, exposition([counters(5, 0)]));
    expect(s.groupCount).toBe(0);
    expect(s.ringBytes).toBe(10 * 8);
  });

  it('never holds more than maxGroups groups, and counts what it dropped', () => {
    const s = new MetricsStore({ capacity: 10, maxGroups: 2 });
    const many = (n: number) =>
      ['a', 'b', 'c'].map((d) => ({ ...counters(n, 0), labels: { ...INBOUND, client_id: d } }));
    round(s, 0, exposition(many(0)));
    round(s, 5, exposition(many(3)));
    expect(s.groupCount).toBe(2);
    expect(s.droppedSamples).toBeGreaterThan(0);
    expect(s.ringBytes).toBe(2 * 10 * WIDTH * 4 + 10 * 8);
  });

  it('rejects a capacity that cannot hold a window', () => {
    expect(() => new MetricsStore({ capacity: 1, maxGroups: 1 })).toThrow(/capacity/);
  });
});
