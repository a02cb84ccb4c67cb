import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTimeOf } from '../../os/process-start.ts';
import { SpawnWorker } from './spawn-worker.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-spawn-worker-'));
const starter = new SpawnWorker();
afterAll(() => starter.close());

const node = (logFile: string, script: string) => ({
  command: process.execPath,
  args: ['-e', script],
  cwd: dir,
  env: { PATH: process.env.PATH ?? '' },
  logFile,
});

describe('SpawnWorker', () => {
  it('starts a process, appends its output to the log file and reports its exit', async () => {
    const log = join(dir, 'a', 'app.log');
    const s = await starter.start(node(log, 'console.log("out"); console.error("err"); process.exit(3)'));
    expect(s.pid).toBeGreaterThan(0);
    expect(await s.exited).toEqual({ code: 3, signal: null });
    const text = readFileSync(log, 'utf8');
    expect(text).toBe('out\nerr\n');
    expect(starter.tracked).toBe(0);
  });

  it('gives the kernel start time of the process it started, which leads its own group', async () => {
    const s = await starter.start(node(join(dir, 'b.log'), 'setTimeout(() => {}, 10000)'));
    expect(s.startTime).toBe(startTimeOf(s.pid));
    const stat = readFileSync(`/proc/${s.pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(s.pid); // its group
    process.kill(-s.pid, 'SIGTERM');
    expect(await s.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('rejects a start that cannot happen, as spawn does', async () => {
    await expect(
      starter.start({ ...node(join(dir, 'c.log'), ''), command: join(dir, 'no-such-command') }),
    ).rejects.toThrow(/ENOENT/);
    expect(starter.tracked).toBe(0);
  });

  it('reports running processes as unknown when the worker goes away, and starts again with a new one', async () => {
    const s = await starter.start(node(join(dir, 'd.log'), 'setTimeout(() => {}, 10000)'));
    await starter.close();
    expect(await s.exited).toBeUndefined();
    process.kill(-s.pid, 'SIGKILL');
    const again = await starter.start(node(join(dir, 'e.log'), 'process.exit(0)'));
    expect(await again.exited).toEqual({ code: 0, signal: null });
  });
});
