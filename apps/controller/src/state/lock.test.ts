import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startTimeOf } from '../os/process-start.ts';
import { lockStateDir } from './lock.ts';

const dirs: string[] = [];
function dir() {
  const d = mkdtempSync(join(tmpdir(), 'weft-lock-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('lockStateDir', () => {
  it('takes a free directory and releases it', () => {
    const d = dir();
    const release = lockStateDir(d);
    expect(JSON.parse(readFileSync(join(d, 'controller.lock'), 'utf8'))).toEqual({
      pid: process.pid,
      startTime: startTimeOf(process.pid),
    });
    release();
    expect(() => readFileSync(join(d, 'controller.lock'))).toThrow();
  });

  it('refuses while another live controller holds it, and takes over a dead one', async () => {
    const d = dir();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => other.once('spawn', r));
    const pid = other.pid as number;
    try {
      writeFileSync(join(d, 'controller.lock'), JSON.stringify({ pid, startTime: startTimeOf(pid) }));
      expect(() => lockStateDir(d)).toThrow(new RegExp(`another controller \\(pid ${pid}\\) is running`));
      // The same pid with another start time is a reused pid: not a controller.
      writeFileSync(join(d, 'controller.lock'), JSON.stringify({ pid, startTime: 1 }));
      expect(() => lockStateDir(d)()).not.toThrow();
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    writeFileSync(join(d, 'controller.lock'), JSON.stringify({ pid, startTime: 123 }));
    expect(() => lockStateDir(d)).not.toThrow();
  });

  it('lets exactly one of several controllers started at once take a free directory, or a stale lock', async () => {
    const racer = fileURLToPath(new URL('./fixtures/lock-race.ts', import.meta.url));
    const race = async (d: string) => {
      // Every racer starts (tsx takes a while), then all try at the same moment; a winner
      // holds the lock until every racer has answered.
      const at = Date.now() + 5000;
      const children = [0, 1, 2, 3, 4, 5].map(() =>
        spawn(process.execPath, ['--import', 'tsx', racer, d, String(at)], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const outs = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve, reject) => {
              let out = '';
              child.stdout.on('data', (c: Buffer) => {
                out += c.toString();
                if (out.includes('\n')) resolve(out.trim());
              });
              child.on('error', reject);
              child.on('exit', () => resolve(out.trim()));
            }),
        ),
      );
      await Promise.all(
        children.map((child) => {
          child.stdin.end();
          return new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
        }),
      );
      return outs.sort();
    };
    expect(await race(dir())).toEqual(['locked', 'refused', 'refused', 'refused', 'refused', 'refused']);
    const stale = dir();
    writeFileSync(join(stale, 'controller.lock'), JSON.stringify({ pid: 999_999_999, startTime: 1 }));
    expect(await race(stale)).toEqual(['locked', 'refused', 'refused', 'refused', 'refused', 'refused']);
  }, 60_000);
});
