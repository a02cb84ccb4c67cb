import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
