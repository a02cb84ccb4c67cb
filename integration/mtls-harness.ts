/**
 * Harness for mTLS tests with real parts: the controller's identity API (in process, on
 * an ephemeral port, state in a temp directory), whole proxies started the way `main.ts`
 * starts them (identity from env), an app, and a TCP relay that records the bytes
 * between two proxies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiServer, startApiServer } from '@weft/controller/api/server';
import type { ApiServices } from '@weft/controller/api/trpc';
import { AuthService } from '@weft/controller/auth/service';
import { createIdentity, type Identity } from '@weft/controller/identity';
import { type RunningProxy, startProxy } from '@weft/proxy/app';
import { parseConfig, settingsFrom } from '@weft/proxy/config/settings';
import { parseProxyEnv } from '@weft/proxy/env';
import { type ProxyIdentity, setupIdentity } from '@weft/proxy/identity/setup';

/** The controller's identity service behind its real HTTP API. */
export interface TestController {
  url: string;
  port: number;
  stateDir: string;
  identity: Identity;
  /** Stops the API (proxies cannot reach it until `start`). */
  stop(): Promise<void>;
  /** (Re)starts it on the same port, reloading the CA from the state directory. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestController(
  certLifetimeMs: number,
  stateDir?: string,
): Promise<TestController> {
  const dir = stateDir ?? (await mkdtemp(join(tmpdir(), 'weft-mtls-')));
  let api: ApiServer | undefined;
  const c: TestController = {
    url: '',
    port: 0,
    stateDir: dir,
    identity: undefined as unknown as Identity,
    async stop() {
      await api?.close();
      api = undefined;
    },
    async start() {
      c.identity = await createIdentity({
        stateDir: dir,
        trustDomain: 'cluster.local',
        certLifetimeMs,
        log: () => {},
      });
      const services = {
        startedAt: Date.now(),
        version: 'test',
        identity: c.identity.service,
        // Proxies authenticate with their workload tokens, as against a real controller.
        auth: new AuthService({ stateDir: dir, enabled: true, workloads: c.identity.validator }),
      } as unknown as ApiServices;
      api = await startApiServer(services, '127.0.0.1', c.port);
      c.port = Number(api.address.split(':')[1]);
      c.url = `http://127.0.0.1:${c.port}`;
    },
    async close() {
      await c.stop();
      // a certificate save may still be finishing: retried on ENOTEMPTY
      if (!stateDir) await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
  await c.start();
  return c;
}

export interface MeshedProxy {
  proxy: RunningProxy;
  identity: ProxyIdentity;
  logs: string[];
  /** The inbound listener's port (when the proxy fronts an app). */
  inboundPort: number;
  stop(): Promise<void>;
}

export interface MeshedProxyOptions {
  controller: TestController;
  namespace: string;
  workload: string;
  /** The app's port, when this proxy fronts one. */
  appPort?: number;
  /** Static destinations (authority → endpoints), as in a proxy config file. */
  destinations?: Record<string, unknown>;
  /** Overrides the token the platform would give. */
  token?: string;
  /** Overrides the controller URL (e.g. one not yet listening). */
  controllerUrl?: string;
  /** More of the proxy's config file (timeouts, say). */
  config?: Record<string, unknown>;
  /** More of the proxy's environment (`WEFT_PROXY_MESH_H2: 'off'`, say). */
  env?: Record<string, string>;
}

/** Starts a proxy as `main.ts` does, with identity from its environment. */
export async function startMeshedProxy(o: MeshedProxyOptions): Promise<MeshedProxy> {
  const token =
    o.token ??
    o.controller.identity.tokens.issue({
      namespace: o.namespace,
      serviceAccount: o.workload,
      workload: o.workload,
      pod: `${o.workload}-1`,
    });
  const env = parseProxyEnv({
    WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:0',
    WEFT_PROXY_ADMIN_LISTEN: '127.0.0.1:0',
    WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
    WEFT_PROXY_INBOUND_PORTS: o.appPort ? `0:${o.appPort}` : '0:9',
    WEFT_PROXY_NAMESPACE: o.namespace,
    WEFT_PROXY_WORKLOAD: o.workload,
    WEFT_PROXY_POD: `${o.workload}-1`,
    WEFT_PROXY_SERVICE_ACCOUNT: o.workload,
    WEFT_PROXY_CONTROLLER_URL: o.controllerUrl ?? o.controller.url,
    WEFT_PROXY_IDENTITY_TOKEN: token,
    WEFT_PROXY_IDENTITY_DIR: join(o.controller.stateDir, 'identity'),
    ...o.env,
  });
  // Destinations are static here: the test is about identity, not discovery.
  const settings = settingsFrom(
    { ...env, controllerUrl: undefined },
    parseConfig({ ...o.config, destinations: o.destinations ?? {} }),
  );
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);
  const identity = await setupIdentity(env, log);
  const proxy = await startProxy(settings, {
    log,
    handlers: identity.handlers,
    ready: identity.ready,
    tlsIdentity: identity.tlsIdentity,
    ...(identity.connector ? { connector: identity.connector } : {}),
  });
  identity.register(proxy.metrics.registry, {
    namespace: o.namespace,
    deployment: o.workload,
    pod: `${o.workload}-1`,
  });
  identity.start();
  return {
    proxy,
    identity,
    logs,
    inboundPort: proxy.inbound[0]?.address.port ?? 0,
    async stop() {
      identity.stop();
      await proxy.drain(0);
    },
  };
}

/** Waits until the proxy's `/ready` answers 200 (or throws after `ms`). */
export async function waitReady(p: MeshedProxy, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await adminGet(p, '/ready')).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`proxy not ready after ${ms} ms: ${p.logs.join(' | ')}`);
}

export async function adminGet(p: MeshedProxy, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${p.proxy.admin.port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The test apps' answer: `app:<path>` as text. */
export function answerPath(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`app:${req.url}`);
}

/** An HTTP app on loopback answering with `handler` (by default `app:<path>`). */
export async function startApp(
  handler: http.RequestListener = answerPath,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A TCP relay to `port` that records every byte each way. */
export async function startRelay(port: number) {
  const up: Buffer[] = [];
  const down: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const openedAt: number[] = [];
  const closedAt: number[] = [];
  const server = net.createServer((client) => {
    openedAt.push(Date.now());
    client.once('close', () => closedAt.push(Date.now()));
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      up.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      down.push(d);
      client.write(d);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    /** Bytes sent from the outbound proxy to the inbound one. */
    up: () => Buffer.concat(up),
    down: () => Buffer.concat(down),
    connections: () => sockets.size / 2,
    /** When each connection was opened (ms since epoch). */
    openedAt: () => [...openedAt],
    /** When each connection closed (ms since epoch), in that order. */
    closedAt: () => [...closedAt],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A GET through the proxy's outbound listener (absolute form, kept-alive agent). */
export function viaOutbound(
  p: MeshedProxy,
  url: string,
  agent?: http.Agent,
): Promise<{ status: number; body: string; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: p.proxy.outbound.port, path: url, ...(agent ? { agent } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            error: res.headers['weft-proxy-error'] as string | undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Lines of the proxy's `/metrics` that start with `name` and contain every one of `labels`. */
export async function metricLines(p: MeshedProxy, name: string, labels: string[] = []): Promise<string[]> {
  const text = (await adminGet(p, '/metrics')).body;
  return text.split('\n').filter((l) => l.startsWith(name) && labels.every((x) => l.includes(x)));
}

/** The sum of the values of matching metric lines. */
export async function metricSum(p: MeshedProxy, name: string, labels: string[] = []): Promise<number> {
  let sum = 0;
  for (const l of await metricLines(p, name, labels)) sum += Number(l.slice(l.lastIndexOf(' ') + 1));
  return sum;
}
