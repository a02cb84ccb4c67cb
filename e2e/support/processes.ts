/**
 * Processes a test owns itself (a controller it stops and starts again, a dashboard
 * pointed at it): started on free loopback ports, stopped by process id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Owned {
  child: ChildProcess;
  output: () => string;
}

/** A TCP port nobody listens on, for a process told its port before it binds it. */
export { freePort } from '@weft/shared/testing';

function start(args: string[], env: Record<string, string>): Owned {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => out };
}

/** Waits until `url` answers with a status below 500 (or `timeoutMs` passes). */
export async function waitForHttp(url: string, timeoutMs: number, owned?: Owned): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (owned && owned.child.exitCode !== null) throw new Error(`exited early:\n${owned.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms${owned ? `:\n${owned.output()}` : ''}`);
}

/** The controller on the local platform, its API on `port`, running the manifests in `manifestsDir`. */
export async function startController(opts: {
  port: number;
  stateDir: string;
  manifestsDir: string;
  octet: number;
  /** More controller environment (such as the WEFT_IDENTITY_* files of a supplied CA). */
  env?: Record<string, string>;
}): Promise<Owned> {
  const owned = start(['--import', 'tsx', join(REPO_ROOT, 'apps/controller/src/main.ts')], {
    WEFT_API_ADDR: `127.0.0.1:${opts.port}`,
    WEFT_STATE_DIR: opts.stateDir,
    WEFT_LOCAL_MANIFESTS: opts.manifestsDir,
    WEFT_LOCAL_POD_OCTET: String(opts.octet),
    ...opts.env,
  });
  await waitForHttp(`http://127.0.0.1:${opts.port}/trpc/health.get`, 30_000, owned);
  return owned;
}

/** The built dashboard (`next start`) on `port`, forwarding the API to `controllerUrl`. */
export async function startDashboard(opts: {
  port: number;
  controllerUrl: string;
  /** More dashboard environment (such as WEFT_WEB_BENCH=1 for the benchmark routes). */
  env?: Record<string, string>;
}): Promise<Owned> {
  const owned = start(
    [
      join(REPO_ROOT, 'node_modules/next/dist/bin/next'),
      'start',
      join(REPO_ROOT, 'apps/web'),
      '-H',
      '127.0.0.1',
      '-p',
      String(opts.port),
    ],
    { CONTROLLER_URL: opts.controllerUrl, ...opts.env },
  );
  await waitForHttp(`http://127.0.0.1:${opts.port}/`, 30_000, owned);
  return owned;
}

/** Stops a process by id (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stop(owned: Owned | null | undefined, graceMs = 10_000): Promise<void> {
  if (!owned || owned.child.exitCode !== null || owned.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => owned.child.once('exit', () => resolve()));
  owned.child.kill('SIGTERM');
  const timer = setTimeout(() => owned.child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
