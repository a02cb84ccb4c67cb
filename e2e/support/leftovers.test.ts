// What an interrupted browser-test run left running is stopped before the next run: a
// process writing its output into a run's directory gives its address and port back when
// no live controller holds that run (recorded or not, even once the directory is gone);
// a run a live controller holds, this run's own directory and a log file beside the runs'
// directories are left alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@weft/shared/testing';
import { afterAll, expect, it } from 'vitest';
import { stopLeftovers } from './leftovers.ts';

const root = mkdtempSync(join(tmpdir(), 'weft-leftovers-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Whether host:port can be listened on (nobody holds it). */
function free(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A "pod": a detached process (as the local platform starts them) listening on host:port,
 * its output appended to `log`.
 */
async function pod(log: string, host: string, port: number): Promise<void> {
  mkdirSync(dirname(log), { recursive: true });
  const out = openSync(log, 'a');
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${port}, '${host}')`],
    {
      detached: true,
      stdio: ['ignore', out, out],
    },
  );
  closeSync(out);
  started.push(child);
  const deadline = Date.now() + 10_000;
  while (await free(host, port)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the pod did not listen');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function lock(dir: string, owner: { pid: number; startTime: number }): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'controller.lock'), JSON.stringify(owner));
}

const host = '127.10.251.8';

it('stops the processes of a run whose controller is gone, and their ports are free again', async () => {
  const dir = join(root, 'weft-e2e-state-dead');
  const [p1, p2] = [await freePort(host), await freePort(host)];
  await pod(join(dir, 'pods/demo/catalog-x/app.log'), host, p1);
  await pod(join(dir, 'balancer.log'), host, p2);
  // a controller that died: its pid names no process with that start time
  lock(dir, { pid: process.pid, startTime: 1 });

  expect(stopLeftovers(root)).toEqual([{ dir, stopped: 2 }]);
  expect(await free(host, p1)).toBe(true);
  expect(await free(host, p2)).toBe(true);
});

it("stops a test-started controller's pods (state in the run's `state`), after the run's directory is removed", async () => {
  const dir = join(root, 'weft-e2e-rotation-x');
  const port = await freePort(host);
  await pod(join(dir, 'state/pods/demo/web-x/app.log'), host, port);
  rmSync(dir, { recursive: true });

  expect(stopLeftovers(root)).toEqual([{ dir, stopped: 1 }]);
  expect(await free(host, port)).toBe(true);
});

it("leaves alone a run a live controller holds, this run's own directory, and a log beside the runs", async () => {
  const [p1, p2, p3, p4] = [
    await freePort(host),
    await freePort(host),
    await freePort(host),
    await freePort(host),
  ];
  const live = join(root, 'weft-e2e-state-live');
  await pod(join(live, 'pods/demo/web-x/app.log'), host, p1);
  lock(live, { pid: process.pid, startTime: startTimeOf(process.pid) });
  const liveState = join(root, 'weft-e2e-tap-live');
  await pod(join(liveState, 'state/pods/demo/web-x/app.log'), host, p2);
  lock(join(liveState, 'state'), { pid: process.pid, startTime: startTimeOf(process.pid) });
  const mine = join(root, 'weft-e2e-state-mine');
  await pod(join(mine, 'pods/demo/web-x/app.log'), host, p3);
  await pod(join(root, 'weft-e2e-run.log'), host, p4);

  expect(stopLeftovers(root, mine)).toEqual([]);
  for (const port of [p1, p2, p3, p4]) expect(await free(host, port)).toBe(false);
});
