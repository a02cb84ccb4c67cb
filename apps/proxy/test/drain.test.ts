// Lifecycle of the real proxy process: it starts from env + --config, reports /ready,
// and on SIGTERM stops accepting, finishes the request in flight, and exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@weft/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startUpstream, type Upstream } from './core-harness.ts';

let up: Upstream;
let child: ChildProcess | null = null;

beforeAll(async () => {
  up = await startUpstream((req, res) => {
    req.resume();
    setTimeout(() => res.end('finished'), req.url === '/slow' ? 600 : 0);
  });
});

afterAll(async () => {
  if (child !== null && child.exitCode === null) child.kill('SIGKILL');
  await up.close();
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c;
    });
    s.on('error', reject);
    s.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1] ?? 0);
      resolve({ status, body: out.slice(out.indexOf('\r\n\r\n') + 4) });
    });
    s.write(`GET http://web.test${path} HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n`);
  });
}

describe('the proxy process', () => {
  it('drains on SIGTERM: the request in flight completes, then it exits 0', async () => {
    const [outPort, adminPort] = [await freePort(), await freePort()];
    const cfg = join(tmpdir(), `weft-drain-${process.pid}.json`);
    writeFileSync(
      cfg,
      JSON.stringify({
        destinations: { 'web.test:80': { endpoints: [{ address: '127.0.0.1', port: up.port }] } },
      }),
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'apps/proxy/src/main.ts', '--config', cfg], {
      env: {
        ...process.env,
        WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${outPort}`,
        WEFT_PROXY_ADMIN_LISTEN: `127.0.0.1:${adminPort}`,
        WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${up.port}`,
        WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
        WEFT_PROXY_DRAIN_GRACE_MS: '5000',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (c) => {
      stderr += c;
    });
    const exited = new Promise<number | null>((r) => child?.on('exit', (code) => r(code)));
    // ready once the listeners are up
    const t0 = Date.now();
    while (!stderr.includes('ready:')) {
      if (Date.now() - t0 > 15_000) throw new Error(`proxy did not start: ${stderr}`);
      await sleep(50);
    }
    expect((await get(outPort, '/fast')).body).toBe('finished');

    const inFlight = get(outPort, '/slow');
    await sleep(150);
    child.kill('SIGTERM');
    await sleep(100);
    // no longer accepting
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect(outPort, '127.0.0.1', () => resolve(s.destroy()));
        s.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
    const r = await inFlight;
    expect(r).toEqual({ status: 200, body: 'finished' });
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SIGTERM: draining/);
  });
});
