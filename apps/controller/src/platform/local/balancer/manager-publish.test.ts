// Publishing the balancer's table: written off the event loop, one write at a time, and
// a burst of tables ends with the latest one on disk (the ones in between may be skipped).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { StateStore } from '../../../state/store.ts';
import { BalancerManager } from './manager.ts';
import { type Listener, TABLE_KEY } from './table.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-balancer-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const listener = (port: number): Listener => ({
  service: `demo/web:${port}`,
  address: '127.20.0.1',
  port,
  backends: [{ host: '127.10.0.1', port: 8080 }],
});

it('writes a burst of tables as the first and the latest one, not each', async () => {
  const store = new StateStore(dir);
  const writes: number[] = [];
  const saveAsync = store.saveAsync.bind(store);
  store.saveAsync = async (key, value) => {
    writes.push((value as { version: number }).version);
    await saveAsync(key, value);
  };
  const manager = new BalancerManager(store, process.cwd(), {});
  for (let port = 1; port <= 5; port++) manager.publish([listener(port)]);
  manager.publish([listener(5)]); // unchanged: not a new table
  await manager.stop(); // waits for the writes under way
  const table = JSON.parse(readFileSync(join(dir, `${TABLE_KEY}.json`), 'utf8'));
  expect(table).toEqual({ version: 5, listeners: [listener(5)] });
  expect(writes).toEqual([1, 5]);
});
