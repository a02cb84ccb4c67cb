// The balancer's restart check: checks that overlap while a restart is still starting the
// balancer start one balancer, not one each (a real balancer process, stopped at the end).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { StateStore } from '../../../state/store.ts';
import { BalancerManager } from './manager.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-balancer-'));
const manager = new BalancerManager(new StateStore(dir), process.cwd(), {
  PATH: process.env.PATH ?? '',
});

afterAll(async () => {
  await manager.stop();
  rmSync(dir, { recursive: true, force: true });
}, 20_000);

it('starts one balancer when restart checks overlap', async () => {
  const restarted = await Promise.all([
    manager.ensureRunning(),
    manager.ensureRunning(),
    manager.ensureRunning(),
  ]);
  expect(restarted.filter(Boolean)).toHaveLength(1);
  expect(manager.running()).toBe(true);
  const serving = readFileSync(join(dir, 'balancer.log'), 'utf8')
    .split('\n')
    .filter((l) => /balancer \d+ serving/.test(l));
  expect(serving).toHaveLength(1);
  expect(await manager.ensureRunning()).toBe(false);
}, 30_000);
