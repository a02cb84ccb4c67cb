/**
 * A proxy's `/ready` says whether it serves mTLS, and as whom (`weft-tls-identity`): the
 * platform announces its endpoints as meshed only then. Without a certificate yet, or
 * with identity off (plaintext only), the header is absent.
 */
import { meshIdentity, PROXY_TLS_IDENTITY_HEADER } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MeshedProxy,
  startApp,
  startMeshedProxy,
  startTestController,
  type TestController,
  waitReady,
} from './mtls-harness.ts';

let ctl: TestController;
let app: Awaited<ReturnType<typeof startApp>>;
const proxies: MeshedProxy[] = [];

async function ready(p: MeshedProxy): Promise<{ status: number; tls: string | null }> {
  const res = await fetch(`http://127.0.0.1:${p.proxy.admin.port}/ready`);
  await res.text();
  return { status: res.status, tls: res.headers.get(PROXY_TLS_IDENTITY_HEADER) };
}

async function start(o: Partial<Parameters<typeof startMeshedProxy>[0]>): Promise<MeshedProxy> {
  const p = await startMeshedProxy({
    controller: ctl,
    namespace: 'demo',
    workload: 'web',
    appPort: app.port,
    ...o,
  });
  proxies.push(p);
  return p;
}

beforeAll(async () => {
  ctl = await startTestController(3600_000);
  app = await startApp();
}, 30_000);
afterAll(async () => {
  for (const p of proxies) await p.stop();
  await app?.close();
  await ctl?.close();
});

describe('/ready and the mTLS identity', () => {
  it('names the identity once the certificate is held', async () => {
    const web = await start({});
    await waitReady(web);
    expect(await ready(web)).toEqual({ status: 200, tls: meshIdentity('web', 'demo') });
  });

  it('is not ready and names no identity without a certificate', async () => {
    const late = await start({ workload: 'late', controllerUrl: 'http://127.0.0.1:9' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await ready(late)).toEqual({ status: 503, tls: null });
  });

  it('is ready but names no identity when identity is off (plaintext only)', async () => {
    const plain = await start({ workload: 'plain', token: '' });
    await waitReady(plain);
    expect(await ready(plain)).toEqual({ status: 200, tls: null });
  });
});
