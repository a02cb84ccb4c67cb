// Keeping stopped pods' logs: the last few per workload and overall, each log file cut to
// its end, found again by pod name, and never a path outside the kept directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { StoppedPodLogs } from './stopped-logs.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-stopped-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pod log directory as a running pod leaves it. */
function podDir(state: string, name: string, app: string): string {
  const d = join(state, 'pods', 'demo', name);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'app.log'), app);
  writeFileSync(join(d, 'proxy.log'), `${name} proxy\n`);
  return d;
}

it('keeps the last stopped pods of each workload, readable by pod name', async () => {
  const state = join(dir, 'per-workload');
  const logs = new StoppedPodLogs(state, { perWorkload: 3, total: 100, bytesPerFile: 1024 });
  for (let i = 1; i <= 5; i++) {
    const from = podDir(state, `web-${i}`, `web-${i} exited: code 1\n`);
    await logs.keep({ namespace: 'demo', workload: 'web', name: `web-${i}` }, from);
    expect(() => statSync(from)).toThrow(); // moved, not copied
  }
  await logs.settled();
  expect(await logs.logFile('demo', 'web-1', 'app')).toBeUndefined();
  expect(await logs.logFile('demo', 'web-2', 'app')).toBeUndefined();
  for (const name of ['web-3', 'web-4', 'web-5']) {
    const app = await logs.logFile('demo', name, 'app');
    expect(readFileSync(app ?? '', 'utf8')).toBe(`${name} exited: code 1\n`);
    expect(readFileSync((await logs.logFile('demo', name, 'proxy')) ?? '', 'utf8')).toBe(`${name} proxy\n`);
  }
});

it('keeps at most the total number of stopped pods across workloads', async () => {
  const state = join(dir, 'total');
  const logs = new StoppedPodLogs(state, { perWorkload: 3, total: 4, bytesPerFile: 1024 });
  for (const w of ['a', 'b', 'c']) {
    for (let i = 1; i <= 2; i++) {
      const name = `${w}-${i}`;
      await logs.keep({ namespace: 'demo', workload: w, name }, podDir(state, name, `${name}\n`));
    }
  }
  await logs.settled();
  const kept: string[] = [];
  for (const name of ['a-1', 'a-2', 'b-1', 'b-2', 'c-1', 'c-2'])
    if (await logs.logFile('demo', name, 'app')) kept.push(name);
  expect(kept).toEqual(['b-1', 'b-2', 'c-1', 'c-2']);
});

it('cuts each kept log file to its last bytes', async () => {
  const state = join(dir, 'trim');
  const logs = new StoppedPodLogs(state, { perWorkload: 3, total: 100, bytesPerFile: 100 });
  const text = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\n');
  await logs.keep({ namespace: 'demo', workload: 'web', name: 'web-1' }, podDir(state, 'web-1', `${text}\n`));
  await logs.settled();
  const kept = readFileSync((await logs.logFile('demo', 'web-1', 'app')) ?? '', 'utf8');
  expect(kept).toHaveLength(100);
  expect(kept.endsWith('line 199\n')).toBe(true);
});

it('answers nothing for unknown pods and names that are not a single path segment', async () => {
  const logs = new StoppedPodLogs(join(dir, 'per-workload'));
  expect(await logs.logFile('demo', 'no-such-pod', 'app')).toBeUndefined();
  expect(await logs.logFile('demo', '..', 'app')).toBeUndefined();
  expect(await logs.logFile('demo', '../../pods/demo/web-3', 'app')).toBeUndefined();
  expect(await logs.logFile('other', 'web-3', 'app')).toBeUndefined();
  // a directory that is gone is simply not kept
  await expect(
    logs.keep({ namespace: 'demo', workload: 'web', name: 'gone' }, join(dir, 'nope')),
  ).resolves.toBe(undefined);
});

it('stays within its bounds when many pods stop at once', async () => {
  const state = join(dir, 'burst');
  const logs = new StoppedPodLogs(state, { perWorkload: 3, total: 5, bytesPerFile: 1024 });
  const names = ['a', 'b'].flatMap((w) => Array.from({ length: 6 }, (_, i) => [w, `${w}-${i}`] as const));
  await Promise.all(
    names.map(([w, name]) =>
      logs.keep({ namespace: 'demo', workload: w, name }, podDir(state, name, `${name}\n`)),
    ),
  );
  await logs.settled();
  const kept = await Promise.all(
    names.map(async ([w, name]) => [w, await logs.logFile('demo', name, 'app')]),
  );
  const found = kept.filter(([, f]) => f !== undefined);
  expect(found).toHaveLength(5);
  expect(found.filter(([w]) => w === 'a').length).toBeLessThanOrEqual(3);
  expect(found.filter(([w]) => w === 'b').length).toBeLessThanOrEqual(3);
});

it("lists a workload's kept pods newest first, and forgets the workloads deleted since", async () => {
  const state = join(dir, 'forget');
  const logs = new StoppedPodLogs(state, { perWorkload: 3, total: 100, bytesPerFile: 1024 });
  for (const [w, name] of [
    ['web', 'web-1'],
    ['api', 'api-1'],
    ['web', 'web-2'],
  ] as const) {
    await logs.keep({ namespace: 'demo', workload: w, name }, podDir(state, name, `${name}\n`));
  }
  await logs.settled();
  const web = await logs.list('demo', 'web');
  expect(web.map((p) => p.name)).toEqual(['web-2', 'web-1']);
  expect(Date.parse(web[0]?.stoppedAt ?? '')).toBeGreaterThan(Date.parse(web[1]?.stoppedAt ?? ''));
  expect(await logs.list('demo', '..')).toEqual([]);
  // `api` was deleted from the manifests: its kept logs go, `web`'s stay
  await logs.forgetDeleted((namespace, workload) => namespace === 'demo' && workload === 'web');
  expect(await logs.list('demo', 'api')).toEqual([]);
  expect(await logs.logFile('demo', 'api-1', 'app')).toBeUndefined();
  expect((await logs.list('demo', 'web')).map((p) => p.name)).toEqual(['web-2', 'web-1']);
  expect(readFileSync((await logs.logFile('demo', 'web-2', 'app')) ?? '', 'utf8')).toBe('web-2\n');
});
