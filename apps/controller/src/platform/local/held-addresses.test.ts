import net from 'node:net';
import { ErrorCode, MeshError } from '@weft/shared';
import { freePort } from '@weft/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressPool } from './addresses.ts';
import { allocateUnheld, listenedOn, MAX_HELD_SKIPS } from './held-addresses.ts';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(host: string, port: number): Promise<void> {
  const server = net.createServer((socket) => socket.destroy());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
}

describe('pod addresses held by other processes', () => {
  it('skips an address where another process listens at one of the pod ports, and names it', async () => {
    const pool = new AddressPool(0, 93, 1);
    const [appPort, proxyPort] = [await freePort(), await freePort()];
    // a left-over process on the first address, at only one of the pod's ports
    await listen(pool.addressOf(0), proxyPort);
    const skipped: string[] = [];
    const ip = await allocateUnheld(pool, [appPort, proxyPort], listenedOn, (held) => skipped.push(held));
    expect(ip).toBe(pool.addressOf(1));
    expect(skipped).toEqual([pool.addressOf(0)]);
    // the held address went back to the pool: the next pod checks it again
    expect(pool.allocate()).toBe(pool.addressOf(0));
  });

  it('takes the lowest address when nothing listens there', async () => {
    const pool = new AddressPool(0, 94, 1);
    const skipped: string[] = [];
    expect(await allocateUnheld(pool, [await freePort()], listenedOn, (held) => skipped.push(held))).toBe(
      pool.addressOf(0),
    );
    expect(skipped).toEqual([]);
  });

  it('gives up with an error naming the first held address, and leaves the pool as it was', async () => {
    const pool = new AddressPool(0, 95, 1);
    const everyAddressHeld = async () => true;
    const error = await allocateUnheld(pool, [80], everyAddressHeld, () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe(ErrorCode.unavailable);
    expect((error as Error).message).toContain(`${MAX_HELD_SKIPS + 1} in a row`);
    expect((error as Error).message).toContain(pool.addressOf(0));
    expect(pool.allocate()).toBe(pool.addressOf(0));
  });
});
