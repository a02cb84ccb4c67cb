/**
 * Helpers for the CLI's end-to-end tests: a real controller as its own process on the demo
 * (or on no workloads), run `weft` as a user does and collect what it printed and its exit
 * status, all bounded in time and on loopback only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@weft/shared/testing';

export { freePort, waitFor };

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONTROLLER_MAIN = join(REPO_ROOT, 'apps/controller/src/main.ts');
const WEFT = fileURLToPath(new URL('../bin/weft.mjs', import.meta.url));

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const held: net.Server[] = [];

/** A third octet for pod and service addresses no other test run uses (held as a listener lock). */
export async function reserveOctet(): Promise<number> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const octet = 60 + 4 * Math.floor(Math.random() * 45);
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(65001, `127.10.${octet}.254`, () => resolve(true));
    });
    if (ok) {
      server.unref();
      held.push(server);
      return octet;
    }
  }
  throw new Error('no free address block for the test');
}

export interface RunningController {
  url: string;
  stateDir: string;
  output: () => string;
  /** SIGTERM (the controller stops every pod), then waits for the exit. */
  stop: () => Promise<void>;
}

/** Starts the controller; resolves once it prints its API address. */
export async function startController(opts: {
  stateDir: string;
  octet: number;
  manifestsDir: string;
  env?: Record<string, string>;
}): Promise<RunningController> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CONTROLLER_MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      WEFT_API_ADDR: '127.0.0.1:0',
      WEFT_STATE_DIR: opts.stateDir,
      WEFT_LOCAL_POD_OCTET: String(opts.octet),
      WEFT_LOCAL_MANIFESTS: opts.manifestsDir,
      WEFT_SCRAPE_INTERVAL_MS: '1000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (c: Buffer) => {
    out = (out + c.toString()).slice(-200_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await waitFor(
    'the controller to print its API address',
    () => {
      if (child.exitCode !== null) throw new Error(`controller exited: ${out}`);
      return /API on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1];
    },
    30_000,
  );
  return {
    url,
    stateDir: opts.stateDir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface WeftResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `weft ARGS` with `env` on top of a clean environment; kills it after `timeoutMs`. */
export function weft(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<WeftResult> {
  const child = spawn(process.execPath, [WEFT, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A controller on the demo, with the environment `weft` needs to reach it, and a work directory. */
export interface DemoMesh {
  controller: RunningController;
  /** A temporary directory for the test's files (the state directory is inside it). */
  work: string;
  env: Record<string, string>;
  /** Stops the controller and removes the work directory. */
  stop(): Promise<void>;
}

/** Starts the controller on the demo and waits until `weft check --strict` passes (every replica ready). */
export async function startDemoMesh(prefix: string): Promise<DemoMesh> {
  const work = tempDir(prefix);
  const controller = await startController({
    stateDir: join(work, 'state'),
    octet: await reserveOctet(),
    manifestsDir: join(REPO_ROOT, 'examples/demo/manifests'),
  });
  const env = { WEFT_CONTROLLER_URL: controller.url, WEFT_STATE_DIR: controller.stateDir };
  const stop = async () => {
    await controller.stop();
    rmSync(work, { recursive: true, force: true });
  };
  await waitFor(
    'the demo to be ready (weft check passing without warnings: every replica ready)',
    async () => (await weft(['check', '--strict', '-o', 'json'], env)).code === 0,
    90_000,
    1000,
  ).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { controller, work, env, stop };
}
