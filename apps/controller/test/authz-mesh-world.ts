// The world of the authorization end-to-end tests (`authz-mesh.test.ts`): a controller
// policy service and identity API, the callee demo/catalog behind its proxy with HTTP,
// gRPC and server-speaks-first TCP apps, and two meshed callers (demo/web, other/pinger)
// holding real certificates; plus the helpers the tests call them with. The cluster
// networks are 127.0.0.0/16 here, so 127.1.x.x is a caller from outside the cluster.
import { rmSync } from 'node:fs';
import http from 'node:http';
import http2, { type Http2Server } from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { meshIdentity } from '@weft/shared';
import { waitFor } from '@weft/shared/testing';
import { afterAll, beforeAll } from 'vitest';
import { PolicyService } from '../src/policy/service.ts';
import { MemoryPlatform, tempStateDir } from '../src/policy/test-util.ts';
import { StateStore } from '../src/state/store.ts';
import {
  connectTunnel,
  getDirect,
  getThroughProxy,
  grpcStatusThrough,
  sumSamples,
} from './authz-mesh-clients.ts';
import { type IdentityApi, startIdentityApi } from './mesh-helpers.ts';
import { freePort, type RunningProxy, startProxy } from './metrics-helpers.ts';

const CATALOG = 'catalog.demo.svc.cluster.local:8080';
const CATALOG_GRPC = 'catalog-grpc.demo.svc.cluster.local:9090';
export const CATALOG_TCP = 'catalog-tcp.demo.svc.cluster.local:7000';
const ANNOTATION = 'config.weft.dev/default-inbound-policy';
/** Plaintext callers: inside the cluster networks, and outside them. */
export const INSIDE = '127.0.3.7';
export const OUTSIDE = '127.1.0.9';

const stateDir = tempStateDir();
const platform = new MemoryPlatform();
const policy = new PolicyService({
  platform: platform.asPlatform(),
  state: new StateStore(stateDir),
  authz: { defaultPolicy: 'all-unauthenticated', clusterNetworks: ['127.0.0.0/16'] },
});

let ids: IdentityApi | undefined;
let app: http.Server | undefined;
let grpcApp: Http2Server | undefined;
/** A server-speaks-first TCP app: it greets each connection. */
let tcpApp: net.Server | undefined;
export let tcpAppPort = 0;
export let catalogTcpPort = 0;
export let appPort = 0;
export let grpcAppPort = 0;
let catalogPort = 0;
let catalogGrpcPort = 0;
let catalog: RunningProxy | undefined;
type Caller = 'web' | 'pinger';
const callers: Record<Caller, { proxy?: RunningProxy; port: number }> = {
  web: { port: 0 },
  pinger: { port: 0 },
};

function endpoint(port: number) {
  return {
    endpoints: [
      {
        address: '127.0.0.1',
        port,
        meshed: true,
        identity: meshIdentity('catalog', 'demo'),
        namespace: 'demo',
        workload: 'catalog',
        pod: 'catalog-1',
      },
    ],
  };
}

/** Registers the world's start and stop with the test file that uses it. */
export function useAuthzMeshWorld(): void {
  beforeAll(async () => {
    platform.workloads.push({
      ...(platform.workloads[0] as (typeof platform.workloads)[number]),
      namespace: 'other',
      name: 'pinger',
      labels: { app: 'pinger' },
    });
    ids = await startIdentityApi({ policy });
    app = http.createServer((_req, res) => res.end('app'));
    await new Promise<void>((r) => app?.listen(0, '127.0.0.1', r));
    appPort = (app.address() as AddressInfo).port;
    grpcApp = http2.createServer();
    grpcApp.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.on('data', () => {});
      stream.on('end', () => stream.end(Buffer.from([0, 0, 0, 0, 0])));
    });
    await new Promise<void>((r) => grpcApp?.listen(0, '127.0.0.1', r));
    grpcAppPort = (grpcApp.address() as AddressInfo).port;
    tcpApp = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('hello\n');
    });
    await new Promise<void>((r) => tcpApp?.listen(0, '127.0.0.1', r));
    tcpAppPort = (tcpApp.address() as AddressInfo).port;
    catalogTcpPort = await freePort();
    catalogPort = await freePort();
    catalogGrpcPort = await freePort();
    callers.web.port = await freePort();
    callers.pinger.port = await freePort();
    const destinations = {
      [CATALOG]: endpoint(catalogPort),
      [CATALOG_GRPC]: endpoint(catalogGrpcPort),
      [CATALOG_TCP]: endpoint(catalogTcpPort),
    };
    const env = ids.meshEnv;
    // Callers have an inbound port too (unused), so none takes the default one.
    const callerEnv = async (ns: string, name: string, port: number) => ({
      ...env(ns, name),
      WEFT_PROXY_INBOUND_PORTS: `${await freePort()}:${await freePort()}`,
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${port}`,
    });
    const started = await Promise.allSettled([
      startProxy(
        {},
        {
          ...env('demo', 'catalog'),
          WEFT_PROXY_INBOUND_PORTS: `${catalogPort}:${appPort},${catalogGrpcPort}:${grpcAppPort},${catalogTcpPort}:${tcpAppPort}`,
          WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${await freePort()}`,
        },
      ),
      startProxy({ destinations }, await callerEnv('demo', 'web', callers.web.port)),
      startProxy({ destinations }, await callerEnv('other', 'pinger', callers.pinger.port)),
    ]);
    const value = (r: PromiseSettledResult<RunningProxy>) => (r.status === 'fulfilled' ? r.value : undefined);
    [catalog, callers.web.proxy, callers.pinger.proxy] = started.map(value);
    for (const r of started) if (r.status === 'rejected') throw r.reason;
    if (!catalog || !callers.web.proxy || !callers.pinger.proxy) throw new Error('a proxy did not start');
    // Every proxy holds its certificate before the first call.
    for (const p of [catalog, callers.web.proxy, callers.pinger.proxy])
      await waitFor(`${p.admin} ready`, async () => (await fetch(`http://${p.admin}/ready`)).status === 200);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([catalog?.stop(), callers.web.proxy?.stop(), callers.pinger.proxy?.stop()]);
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
    await new Promise<void>((r) => (grpcApp ? grpcApp.close(() => r()) : r()));
    await new Promise<void>((r) => (tcpApp ? tcpApp.close(() => r()) : r()));
    await ids?.close();
    policy.close();
    rmSync(stateDir, { recursive: true, force: true });
  });
}

export async function metricsText(): Promise<string> {
  try {
    return await (await fetch(`http://${catalog?.admin}/metrics`)).text();
  } catch (err) {
    await new Promise((r) => setTimeout(r, 500));
    throw new Error(`catalog's proxy does not answer: ${catalog?.stderr()}`, { cause: err });
  }
}

/** Applies `yaml` and waits until the callee's proxy runs that revision on every stream. */
export async function apply(yaml: string): Promise<void> {
  const { revision } = policy.apply(yaml, { author: 'test' });
  await waitFor(`catalog's proxy to run revision ${revision}`, async () => {
    const m = /^weft_policy_revision(?:\{[^}]*\})? (\d+)/m.exec(await metricsText());
    return m !== null && Number(m[1]) >= revision;
  });
}

/** The sum of the callee's `name` samples carrying every `label="value"` of `labels`. */
export async function count(name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await metricsText(), name, labels);
}

/** A GET from a meshed caller, through its proxy's outbound listener. */
export const meshed = (caller: Caller, path = '/') => getThroughProxy(callers[caller].port, CATALOG, path);
/** A GET from an unmeshed caller at `from`, straight to the callee's inbound port, claiming to be demo/web. */
export const unmeshed = (from: string, path = '/') =>
  getDirect(catalogPort, from, path, { 'weft-src': 'demo/web' });
export const tunnel = (caller: Caller, authority: string) => connectTunnel(callers[caller].port, authority);
export const grpcCall = (caller: Caller) => grpcStatusThrough(callers[caller].port, CATALOG_GRPC);

export const namespaceDefault = (value: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: demo, annotations: { "${ANNOTATION}": ${value} } }`;

export const deploymentDefault = (value: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: catalog, namespace: demo, annotations: { "${ANNOTATION}": ${value} } }`;

export const ALLOWED = { status: 200, body: 'app' };
export const DENIED = { status: 403, error: 'unauthorized' };
