/**
 * `weft tap` and `weft top` against a running local mesh: the real controller on the demo
 * application with web meshed, `weft` run as a user runs it. Tap prints web's live
 * requests (aligned lines, or one JSON event per line), top groups them by path.
 */
import { TapEvent } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoMesh, startDemoMesh, weft } from './harness.ts';

let demo: DemoMesh;
let env: Record<string, string>;

beforeAll(async () => {
  demo = await startDemoMesh('weft-cli-tap-');
  env = demo.env;
  const mesh = await weft(['mesh', 'web', '-n', 'demo', '--timeout', '120'], env, 150_000);
  expect(mesh.code).toBe(0);
}, 300_000);

afterAll(() => demo?.stop(), 60_000);

describe('weft tap', () => {
  it('prints live requests of web as JSON events, and stops after --count', async () => {
    const r = await weft(['tap', 'web', '-n', 'demo', '--count', '3', '-o', 'json'], env, 60_000);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => TapEvent.parse(JSON.parse(l)));
    expect(events).toHaveLength(3);
    for (const e of events) {
      expect(e.source).toEqual({ namespace: 'demo', workload: 'web' });
      expect(e.direction).toBe('outbound');
      expect(e.proxy).toMatch(/^demo\/web\/web-/);
    }
  }, 70_000);

  it('prints aligned lines under a header, filtered by path', async () => {
    const one = await weft(['tap', 'web', '-n', 'demo', '--count', '1', '-o', 'json'], env, 60_000);
    const path = TapEvent.parse(JSON.parse(one.stdout.trim())).path.split('?')[0] as string;
    const r = await weft(['tap', 'web', '-n', 'demo', '--path', path, '--count', '2'], env, 60_000);
    expect(r.code).toBe(0);
    const [head, ...lines] = r.stdout.trim().split('\n');
    expect(head).toMatch(/^TIME\s+DIR FROM\s+TO\s+METHOD\s+STATUS\s+LATENCY AUTHORITY\/PATH$/);
    expect(lines).toHaveLength(2);
    const at = (head as string).indexOf('METHOD');
    for (const l of lines) {
      expect(l).toContain('demo/web');
      expect(l).toContain(path);
      // the method column starts where its header does
      expect(l.slice(at)).toMatch(/^(GET|POST|PUT|DELETE|HEAD|PATCH)\s/);
    }
  }, 70_000);

  it('refuses a bad filter, naming the flag, with exit 2', async () => {
    const r = await weft(['tap', '-n', 'demo', '--max-rps', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-rps');
  });
});

describe('weft top', () => {
  it('groups the requests by path with count, latencies and success', async () => {
    const r = await weft(['top', 'web', '-n', 'demo', '--duration', '4', '-o', 'json'], env, 60_000);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as { path: string; count: number; bestMs: number; worstMs: number }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.count).toBeGreaterThan(0);
      expect(row.bestMs).toBeLessThanOrEqual(row.worstMs);
      expect(row.path.includes('?')).toBe(false);
    }
    const table = await weft(['top', 'web', '-n', 'demo', '--duration', '3'], env, 60_000);
    expect(table.stdout.split('\n')[0]).toMatch(/^METHOD\s+PATH\s+COUNT\s+BEST\s+WORST\s+LAST\s+SUCCESS$/);
  }, 70_000);
});
