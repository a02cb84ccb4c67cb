// What an interrupted browser-test run left running is stopped before the next run: a pod
// process recorded in a state directory no live controller holds gives its address and
// port back; one whose controller still runs, and the run's own directory, are left alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Field 22 of /proc/<pid>/stat: what the controller records beside the pid. */
function startTimeOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

/** A "pod": a detached process (its own group, as the local platform starts them) listening on host:port. */
async function pod(host: string, port: number): Promise<{ pid: number; startTime: number }> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${port}, '${host}', () => console.log('up'))`],
    { detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', () => reject(new Error('the pod exited')));
  });
  const pid = child.pid as number;
  return { pid, startTime: startTimeOf(pid) };
}

/** Whether host:port can be listened on (nobody holds it). */
function free(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function stateDir(name: string, lock: unknown, app: unknown): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  if (lock) writeFileSync(join(dir, 'controller.lock'), JSON.stringify(lock));
  writeFileSync(
    join(dir, 'local-platform.json'),
    JSON.stringify({ version: 1, pods: [{ name: 'catalog-x', app, proxy: null }], balancer: null }),
  );
  return dir;
}

it('stops the pods of a run whose controller is gone, and their ports are free again', async () => {
  const host = '127.10.251.8';
  const port = await freePort(host);
  const app = await pod(host, port);
  // a controller that died: its pid names no process with that start time
  const dir = stateDir('weft-e2e-state-dead', { pid: process.pid, startTime: 1 }, app);
  expect(await free(host, port)).toBe(false);

  expect(stopLeftovers(root)).toEqual([{ dir, stopped: 1 }]);
  expect(await free(host, port)).toBe(true);
  rmSync(dir, { recursive: true });
});

it('finds a test-started controller state in a run directory (its `state`)', async () => {
  const host = '127.10.251.9';
  const port = await freePort(host);
  const app = await pod(host, port);
  const dir = stateDir('weft-e2e-rotation-x/state', undefined, app);

  expect(stopLeftovers(root)).toEqual([{ dir, stopped: 1 }]);
  expect(await free(host, port)).toBe(true);
  rmSync(join(root, 'weft-e2e-rotation-x'), { recursive: true });
});

it("leaves alone a directory a live controller holds, and the run's own directory", async () => {
  const host = '127.10.251.10';
  const [p1, p2] = [await freePort(host), await freePort(host)];
  const held = await pod(host, p1);
  const own = await pod(host, p2);
  stateDir('weft-e2e-state-live', { pid: process.pid, startTime: startTimeOf(process.pid) }, held);
  const mine = stateDir('weft-e2e-state-mine', undefined, own);

  expect(stopLeftovers(root, mine)).toEqual([]);
  expect(await free(host, p1)).toBe(false);
  expect(await free(host, p2)).toBe(false);
});
