/**
 * The meshed path with mTLS (`twoHopMtls`): the same two Weft hops as `twoHop`, but the
 * destination says the server is meshed, so the client proxy speaks TLS 1.3 to the
 * server proxy with certificates the controller's identity service signed. The identity
 * service runs in this process behind the real tRPC router (only the two proxies'
 * `identity.certify` calls reach it, before measuring; it runs as with `WEFT_AUTH=off`); both proxies wait for their
 * certificate (`/ready`) before the path counts as started.
 */
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { meshIdentity } from '@weft/shared';
import { appRouter } from '../../apps/controller/src/api/router.ts';
import { type ApiServices, createContext } from '../../apps/controller/src/api/trpc.ts';
import { createIdentity } from '../../apps/controller/src/identity/index.ts';
import type { PathSpec } from './paths.ts';

/** Both proxies run as the `bench` service account of namespace `bench`. */
export const BENCH_SA = 'bench';
export const BENCH_NS = 'bench';
const SA = BENCH_SA;
const NS = BENCH_NS;

/** The controller's identity service behind its tRPC router, on an ephemeral loopback port. */
export async function startIdentityApi(stateDir: string) {
  const identity = await createIdentity({ stateDir, trustDomain: 'cluster.local', log: () => {} });
  const services = {
    startedAt: Date.now(),
    version: 'bench',
    identity: identity.service,
  } as unknown as ApiServices;
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: () => createContext(services, { kind: 'auth-off', role: 'admin' }),
  });
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref(); // never keeps the benchmark alive
  return {
    identity,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

async function waitReady(adminPorts: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (const port of adminPorts) {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline)
        throw new Error(`proxy on admin port ${port} got no certificate in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const twoHopMtls: PathSpec = {
  key: 'twoHopMtls',
  label: 'Weft, two hops with mTLS',
  async start(ctx) {
    const stateDir = path.join(ctx.workDir, 'identity-state');
    mkdirSync(stateDir, { recursive: true });
    const api = await startIdentityApi(stateDir);
    const token = api.identity.tokens.issue({ namespace: NS, serviceAccount: SA });
    // paths.ts lists this path: import it lazily so the modules do not load in a cycle.
    const { startTwoHops } = await import('./paths.ts');
    const p = await startTwoHops(ctx, 'two-hop-mtls', {
      meshed: true,
      identity: meshIdentity(SA, NS),
      env: {
        WEFT_PROXY_NAMESPACE: NS,
        WEFT_PROXY_SERVICE_ACCOUNT: SA,
        WEFT_PROXY_CONTROLLER_URL: api.url,
        WEFT_PROXY_IDENTITY_TOKEN: token,
        WEFT_PROXY_IDENTITY_DIR: api.identity.identityDir,
      },
    });
    await waitReady([...(p.adminPorts ?? [])], 20_000);
    ctx.log(
      `twoHopMtls: both proxies certified as ${meshIdentity(SA, NS)} (admin ports ${(p.adminPorts ?? []).join(', ')})`,
    );
    return p;
  },
};
