// The production build (`npm run build`: bundle.mjs) as meshed pods and images run it:
// the launcher starts the bundle from its V8 code cache under the flags the cache was
// made with, proxies a request, and under other flags says the cache was rejected and
// still proxies. Real build, real processes, loopback only.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-build-'));
let app: http.Server;
let appPort = 0;

beforeAll(async () => {
  execFileSync(process.execPath, ['apps/proxy/bundle.mjs', '--outdir', dir], { stdio: 'pipe' });
  app = http.createServer((_req, res) => res.end('from the app'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  appPort = (app.address() as AddressInfo).port;
}, 60_000);

afterAll(async () => {
  await new Promise((r) => app?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the built proxy with `flags`; resolves with its inbound port and stderr once ready. */
async function startBuilt(flags: string[]) {
  const cfg = join(dir, `config-${flags.length}.json`);
  writeFileSync(
    cfg,
    JSON.stringify({
      inbound: { host: '127.0.0.1', appHost: '127.0.0.1', ports: [{ public: 0, app: appPort }] },
      outbound: { listen: '127.0.0.1:0' },
      admin: { listen: '127.0.0.1:0' },
    }),
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WEFT_PROXY_')));
  const child = spawn(process.execPath, [...flags, join(dir, 'weft-proxy.cjs'), '--config', cfg], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000);
    child.stderr?.on('data', (d) => {
      stderr += d;
      if (stderr.includes('ready:')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('exit', () => resolve(false));
  });
  const inbound = /→/.test(stderr) ? Number(/inbound 127\.0\.0\.1:(\d+)→/.exec(stderr)?.[1]) : 0;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  };
  return { ready, inbound, stderr: () => stderr, stop };
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', timeout: 5_000 }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('the production build', () => {
  it('ships a launcher, the bundle and its code cache', () => {
    for (const f of ['weft-proxy.cjs', 'weft-proxy-bundle.cjs', 'weft-proxy.cache'])
      expect(existsSync(join(dir, f)), f).toBe(true);
  });

  it('starts from the code cache under the platform flags and proxies', async () => {
    const p = await startBuilt(['--max-semi-space-size=2']);
    try {
      expect(p.ready, p.stderr()).toBe(true);
      expect(p.stderr()).not.toContain('code cache rejected');
      expect(await get(p.inbound)).toEqual({ status: 200, body: 'from the app' });
    } finally {
      await p.stop();
    }
  }, 30_000);

  it('under other flags says the cache is rejected, and still proxies', async () => {
    const p = await startBuilt([]);
    try {
      expect(p.ready, p.stderr()).toBe(true);
      expect(p.stderr()).toContain('code cache rejected');
      expect(await get(p.inbound)).toEqual({ status: 200, body: 'from the app' });
    } finally {
      await p.stop();
    }
  }, 30_000);
});
