/**
 * The real controller as its own process on the demo, restartable within one test file:
 * a state directory, a pod octet and an API port kept across restarts (so running proxies
 * find the next controller), an admin client, and a clean-up that stops whatever a failed
 * test left behind. Used by the restart, policy and canary end-to-end tests.
 */
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from '../src/api/router.ts';
import {
  type ControllerProcess,
  freePort,
  livePids,
  reserveOctet,
  startControllerProcess,
  tempStateDir,
  waitFor,
} from './demo-harness.ts';

export type AdminClient = ReturnType<typeof createTRPCClient<AppRouter>>;

export class DemoController {
  stateDir = '';
  #octet = 0;
  #apiPort = 0;
  #current: ControllerProcess | undefined;
  readonly #env: Record<string, string>;
  readonly #startTimeoutMs: number;

  constructor(opts: { env?: Record<string, string>; startTimeoutMs?: number } = {}) {
    this.#env = opts.env ?? {};
    // a controller on a starved machine takes well over the harness's 20 s to listen
    this.#startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  /** Reserves the state directory, the pod octet and the API port (in `beforeAll`). */
  async prepare(): Promise<void> {
    this.stateDir = tempStateDir();
    this.#octet = await reserveOctet();
    this.#apiPort = await freePort();
  }

  /** An admin client of `url`, with the token the controller wrote at its first start. */
  client(url: string): AdminClient {
    const token = () => readFileSync(join(this.stateDir, 'auth', 'admin-token'), 'utf8').trim();
    return createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${url}/trpc`, headers: () => ({ authorization: `Bearer ${token()}` }) })],
    });
  }

  /** The running controller's client, or a new controller's once every demo pod is ready. */
  async running(): Promise<AdminClient> {
    return this.#current ? this.client(this.#current.url) : this.start();
  }

  /** Starts a controller and waits for every demo pod to be ready. */
  async start(): Promise<AdminClient> {
    this.#current = await startControllerProcess({
      stateDir: this.stateDir,
      octet: this.#octet,
      apiPort: this.#apiPort,
      env: this.#env,
      startTimeoutMs: this.#startTimeoutMs,
    });
    const api = this.client(this.#current.url);
    await waitFor(
      'every demo pod to be ready',
      async () => (await api.workloads.list.query({})).every((w) => w.readyReplicas === w.replicas),
      90_000,
    );
    return api;
  }

  /** Stops the running controller with `signal` and waits for it to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const c = this.#current;
    this.#current = undefined;
    if (!c || c.child.exitCode !== null) return;
    c.child.kill(signal);
    await c.exited;
  }

  /** In `afterAll`: stops the controller, and what a killed one left with one more graceful stop. */
  async dispose(): Promise<void> {
    await this.stop('SIGTERM');
    if (livePids(this.stateDir).length) {
      await this.start().catch(() => {});
      await this.stop('SIGTERM');
    }
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** One plain HTTP request (absolute form when sent to a proxy's outbound listener). */
export function plainRequest(
  host: string,
  port: number,
  path: string,
  opts: { method?: string; body?: string; hostHeader?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host,
        port,
        path,
        method: opts.method ?? 'GET',
        timeout: 5000,
        headers: opts.hostHeader ? { host: opts.hostHeader } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}
