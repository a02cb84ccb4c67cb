/**
 * Helpers for the metrics integration tests: a Debian Prometheus run on loopback against
 * a file-SD list (installed with apt-get when missing and we are root), free ports, and
 * comparisons "within one latency bucket".
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LATENCY_BUCKETS_MS, type Pod } from '@weft/shared';
import { freePort } from '@weft/shared/testing';
import { prometheusConfig, writeFileSd } from '../src/metrics/file-sd.ts';

export { freePort };

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** Blocks the thread for `ms` (only while waiting for another test file's install). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Makes sure Debian's `prometheus` is installed. Returns undefined when it is, else the
 * reason it cannot be (not root, apt-get failed). Test files running at once take turns
 * through a lock directory, so only one runs apt-get.
 */
export function ensurePrometheus(): string | undefined {
  if (existsSync(PROMETHEUS_BIN)) return undefined;
  if (process.getuid?.() !== 0) {
    return `${PROMETHEUS_BIN} is missing and installing it needs root (apt-get install prometheus)`;
  }
  const lock = join(tmpdir(), 'weft-install-prometheus.lock');
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(PROMETHEUS_BIN)) return undefined;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 900_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
      if (Date.now() > deadline) return 'timed out waiting for another test to install prometheus';
      sleepSync(500);
    }
  }
  try {
    if (existsSync(PROMETHEUS_BIN)) return undefined;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const wait = ['-o', 'DPkg::Lock::Timeout=300'];
    spawnSync('apt-get', [...wait, 'update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync(
      'apt-get',
      [...wait, 'install', '-y', '-qq', '--no-install-recommends', 'prometheus'],
      {
        stdio: 'inherit',
        env,
      },
    );
    if (r.status !== 0 || !existsSync(PROMETHEUS_BIN)) return 'apt-get install prometheus failed';
    return undefined;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface RunningPrometheus {
  url: string;
  stop(): Promise<void>;
}

/** Runs Prometheus on loopback scraping the targets listed in `fileSdPath` every `intervalSeconds`. */
export async function startPrometheus(
  fileSdPath: string,
  intervalSeconds: number,
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, prometheusConfig(fileSdPath, intervalSeconds));
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.status === 200) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`Prometheus did not become ready: ${stderr}`);
}

/** Index of the latency bucket holding `ms` (the first bound ≥ ms). */
export function bucketIndex(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
  return i < 0 ? LATENCY_BUCKETS_MS.length : i;
}

/** Whether two latencies lie in the same or neighbouring buckets. */
export function withinOneBucket(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(bucketIndex(a) - bucketIndex(b)) <= 1;
}

/**
 * Waits until Prometheus has scraped `n` targets successfully at least twice (its file-SD
 * discovery hands targets over only every few seconds).
 */
export async function waitForScrapes(url: string, n: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const q = encodeURIComponent('count(count_over_time(up[1m]) >= 2)');
      const res = await fetch(`${url}/api/v1/query?query=${q}`);
      const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
      if (Number(body.data?.result?.[0]?.value[1] ?? 0) >= n) return;
    } catch {
      // retry
    }
    await sleep(250);
  }
  throw new Error(`Prometheus at ${url} did not scrape ${n} targets in ${timeoutMs} ms`);
}

/**
 * When Prometheus last scraped any target matching `selector` (ms since epoch). Evaluating at that instant
 * leaves `increase()` nothing to extrapolate at the window's end.
 */
export async function lastScrapeMs(url: string, selector = ''): Promise<number> {
  const q = encodeURIComponent(`max(timestamp(up${selector}))`);
  const res = await fetch(`${url}/api/v1/query?query=${q}`);
  const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const v = Number(body.data?.result?.[0]?.value[1]);
  if (!Number.isFinite(v)) throw new Error(`Prometheus at ${url} has no scrape yet`);
  return v * 1000;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Prometheus scraping `pods` every second through a file-SD list in `dir`, once it has scraped each. */
export async function prometheusOver(dir: string, pods: Pod[]): Promise<RunningPrometheus> {
  const fileSd = join(dir, 'targets.json');
  writeFileSd(fileSd, pods);
  const prom = await startPrometheus(fileSd, 1);
  await waitForScrapes(prom.url, pods.length);
  return prom;
}

/** Waits for `n` more scrape rounds of `service`, so its store holds the latest counters. */
export async function scrapeRounds(
  service: { scraper: { rounds: number } } | undefined,
  n = 2,
): Promise<void> {
  const target = (service?.scraper.rounds ?? 0) + n;
  while ((service?.scraper.rounds ?? 0) < target) await sleep(50);
}

/**
 * The environment of the proxy of pod `<workload>-1` in namespace demo, its outbound
 * listener on `outPort` and its inbound port (to an app nobody calls) on a free one.
 */
export async function demoProxyEnv(workload: string, outPort: number): Promise<Record<string, string>> {
  return {
    WEFT_PROXY_NAMESPACE: 'demo',
    WEFT_PROXY_WORKLOAD: workload,
    WEFT_PROXY_POD: `${workload}-1`,
    WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
    WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${await freePort()}`,
    WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${outPort}`,
  };
}

export interface RunningProxy {
  admin: string;
  /** The last 8 kB the process wrote to stderr (for failure messages). */
  stderr(): string;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Runs the real proxy (`apps/proxy/src/main.ts`) standalone with a static config and
 * `env`, and waits for it to report ready.
 */
export async function startProxy(config: unknown, env: Record<string, string>): Promise<RunningProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'weft-proxy-'));
  const file = join(dir, 'proxy.json');
  writeFileSync(file, JSON.stringify(config));
  const admin = env.WEFT_PROXY_ADMIN_LISTEN ?? `127.0.0.1:${await freePort()}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/proxy/src/main.ts', '--config', file], {
    env: { ...process.env, WEFT_PROXY_ADMIN_LISTEN: admin, WEFT_PROXY_DRAIN_GRACE_MS: '1000', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      stderr += `\n(exited: ${signal ?? code})`;
      r();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 45_000;
  while (!stderr.includes('ready:')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the proxy did not start: ${stderr}`);
    }
    await sleep(50);
  }
  return { admin, stop, stderr: () => stderr };
}
