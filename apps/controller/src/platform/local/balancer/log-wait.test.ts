// Waiting for a line in a log another process appends to: found as soon as the file
// changes (the watch, with a poll too slow to find it in the test's time), found by the
// poll in a file that did not exist when the wait began, never in what was there before
// the offset, and given up when told to stop or when its time is out. Under adversarial
// timing: the line already there when the wait begins, written in pieces, straddling two
// read chunks, or in a file replaced by a shorter one.
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { waitForLine } from './log-wait.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-log-wait-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const forever = { timeoutMs: 20_000, pollMs: 60_000, waiting: () => true };

it('finds a line appended after the wait began, woken by the change (not the poll)', async () => {
  const file = join(dir, 'watched.log');
  writeFileSync(file, 'starting\n');
  const found = waitForLine(file, 0, 'balancer 42 serving', forever);
  await new Promise((r) => setTimeout(r, 50));
  appendFileSync(file, 'loading the table\n');
  appendFileSync(file, 'balancer 42 serving from x\n');
  expect(await found).toBe(true);
});

it('finds a line in a file created after the wait began, through the poll', async () => {
  const file = join(dir, 'late.log');
  const found = waitForLine(file, 0, 'ready', { timeoutMs: 20_000, pollMs: 20, waiting: () => true });
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(file, 'ready\n');
  expect(await found).toBe(true);
});

it('reads only from the offset on, and gives up when its time is out', async () => {
  const file = join(dir, 'old.log');
  writeFileSync(file, 'balancer 7 serving (a previous run)\n');
  const from = statSync(file).size;
  expect(await waitForLine(file, from, 'balancer 7 serving', { ...forever, timeoutMs: 100 })).toBe(false);
});

it('gives up when told to stop waiting (the process died)', async () => {
  const file = join(dir, 'dead.log');
  writeFileSync(file, '');
  let alive = true;
  const found = waitForLine(file, 0, 'serving', { ...forever, waiting: () => alive });
  await new Promise((r) => setTimeout(r, 50));
  alive = false;
  // the change wakes it, and it no longer waits: what the file says now is not read
  appendFileSync(file, 'serving (from a process that has gone)\n');
  expect(await found).toBe(false);
});

it('finds a line already in the file past the offset when the wait begins', async () => {
  const file = join(dir, 'present.log');
  writeFileSync(file, 'old run: balancer 9 serving\n');
  const from = statSync(file).size;
  appendFileSync(file, 'balancer 9 serving from x\n');
  expect(await waitForLine(file, from, 'balancer 9 serving', forever)).toBe(true);
});

it('finds a line written in pieces, each append waking the wait', async () => {
  const file = join(dir, 'pieces.log');
  writeFileSync(file, '');
  const found = waitForLine(file, 0, 'balancer 43 serving', forever);
  for (const piece of ['bal', 'ancer 4', '3 ser', 'ving from x\n']) {
    await new Promise((r) => setTimeout(r, 30));
    appendFileSync(file, piece);
  }
  expect(await found).toBe(true);
});

it('finds a line that straddles two of the chunks it reads a busy log in', async () => {
  const file = join(dir, 'busy.log');
  const line = 'balancer 44 serving from x\n';
  // the line starts 10 bytes before the first 64 KiB chunk ends
  writeFileSync(file, `${'x'.repeat(64 * 1024 - 11)}\n${line}`);
  expect(await waitForLine(file, 0, 'balancer 44 serving', forever)).toBe(true);
});

it('finds the line in a file replaced by a shorter one (truncated, or renamed over), through the poll', async () => {
  const file = join(dir, 'replaced.log');
  writeFileSync(file, `${'earlier output\n'.repeat(100)}`);
  const from = statSync(file).size;
  const found = waitForLine(file, from, 'balancer 45 serving', {
    timeoutMs: 20_000,
    pollMs: 20,
    waiting: () => true,
  });
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(`${file}.new`, 'balancer 45 serving from x\n');
  renameSync(`${file}.new`, file);
  expect(await found).toBe(true);
});
