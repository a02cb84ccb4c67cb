/**
 * The service balancer process on its own: with one dead backend and one live one in
 * its table, every client connection still reaches the live backend (a refused
 * connect moves on to the next backend instead of hanging the client), and the backend
 * sees the caller's own address, not the balancer's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BalancerTable } from '../src/platform/local/balancer/table.ts';

const MAIN = fileURLToPath(new URL('../src/platform/local/balancer/main.ts', import.meta.url));
const VIP = '127.20.250.9';

/** Connects to the service address and returns what the backend greets with, or an error. */
function greeting(port: number, localAddress = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: VIP, port, localAddress });
    const timer = setTimeout(() => c.destroy(new Error('no greeting within 5 s')), 5000);
    c.once('data', (d) => {
      clearTimeout(timer);
      c.destroy();
      resolve(d.toString());
    });
    c.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    c.once('close', () => reject(new Error('closed without a greeting')));
  });
}

describe('service balancer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-balancer-'));
  const backend = net.createServer((s) => {
    // A caller that leaves at once (the readiness probes below) resets the greeting: that
    // ends the connection, as the balancer ends one whose peer errs.
    s.on('error', () => s.destroy());
    s.end(`hello from live to ${s.remoteAddress}\n`);
  });
  let proc: ChildProcess;
  let servicePort = 0;

  beforeAll(async () => {
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const live = (backend.address() as net.AddressInfo).port;
    // the balancer's port on the VIP, and a backend port nothing listens on
    servicePort = await freePort(VIP);
    const table: BalancerTable = {
      version: 1,
      listeners: [
        {
          service: 'test/svc:80',
          address: VIP,
          port: servicePort,
          backends: [
            { host: '127.0.0.1', port: await freePort() },
            { host: '127.0.0.1', port: live },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'balancer-table.json'), JSON.stringify(table));
    proc = spawn(process.execPath, ['--import', 'tsx', MAIN, dir], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const up = await new Promise<boolean>((r) => {
        const c = net.connect({ host: VIP, port: servicePort });
        c.once('connect', () => r(true));
        c.once('error', () => r(false));
        c.once('connect', () => c.destroy());
      });
      if (up) break;
      if (Date.now() > deadline) throw new Error('the balancer did not listen within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);

  afterAll(() => {
    proc?.kill('SIGKILL');
    backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends every connection to the live backend when the other one refuses', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await greeting(servicePort));
    expect(answers).toEqual(Array(6).fill('hello from live to 127.0.0.1\n'));
  });

  it("connects to the backend from the caller's own loopback address", async () => {
    expect(await greeting(servicePort, '127.10.77.3')).toBe('hello from live to 127.10.77.3\n');
    expect(await greeting(servicePort, '127.10.77.4')).toBe('hello from live to 127.10.77.4\n');
  });
});
