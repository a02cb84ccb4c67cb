// The balancer takes each table as soon as the controller publishes it, by SIGHUP alone
// (it no longer polls): a table published while the balancer is still starting is
// delivered once it serves, and later tables straight away (a real balancer process).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@weft/shared/testing';
import { afterAll, expect, it, vi } from 'vitest';
import { StateStore } from '../../../state/store.ts';
import { BalancerManager } from './manager.ts';
import type { Listener } from './table.ts';

const VIP = '127.20.250.17';
const dir = mkdtempSync(join(tmpdir(), 'weft-balancer-reload-'));
const manager = new BalancerManager(new StateStore(dir), process.cwd(), { PATH: process.env.PATH ?? '' });

afterAll(async () => {
  await manager.stop();
  rmSync(dir, { recursive: true, force: true });
}, 20_000);

const listener = (port: number): Listener => ({
  service: `demo/web:${port}`,
  address: VIP,
  port,
  backends: [{ host: '127.0.0.1', port: 9 }],
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: VIP, port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

it('listens on the tables published while it starts and after', async () => {
  const [first, second] = [await freePort(VIP), await freePort(VIP)];
  const started = manager.start(null);
  // published before the balancer has said it serves
  await manager.publish([listener(first)]);
  await started;
  await vi.waitFor(async () => expect(await accepts(first)).toBe(true), { timeout: 10_000, interval: 100 });
  await manager.publish([listener(first), listener(second)]);
  await vi.waitFor(async () => expect(await accepts(second)).toBe(true), { timeout: 10_000, interval: 100 });
}, 40_000);
