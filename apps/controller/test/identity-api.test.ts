/**
 * `identity.*` over HTTP as a proxy and the dashboard call it: a plain JSON POST to
 * `/trpc/identity.certify`, and GETs for `identity.status` and `identity.certificates`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import { createIdentity, type Identity } from '../src/identity/index.ts';
import { makeCsr } from '../src/identity/test-util.ts';

const WEB = 'web.demo.serviceaccount.identity.weft.cluster.local';
let dir: string;
let id: Identity;
let api: ApiServer;
let auth: AuthService;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-identity-api-'));
  id = await createIdentity({ stateDir: dir, trustDomain: 'cluster.local', log: () => {} });
  // The identity procedures use only `identity` (and auth); the other services are not reached.
  auth = new AuthService({ stateDir: dir, enabled: true, workloads: id.validator });
  const services = {
    startedAt: Date.now(),
    version: 'test',
    identity: id.service,
    auth,
  } as unknown as ApiServices;
  api = await startApiServer(services, '127.0.0.1', 0);
});
afterAll(async () => {
  await api?.close();
  await rm(dir, { recursive: true, force: true });
});

interface TrpcBody {
  result: { data: { identity: string; certificate: string } };
  error: { message: string; data: { meshCode?: string } };
}

type Query = { result: { data: unknown } };

/** POSTs as a proxy does: the workload token in the body and as the bearer credential. */
async function post(path: string, body: { token?: string } & Record<string, unknown>) {
  const res = await fetch(`http://${api.address}/trpc/${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(body.token ? { authorization: `Bearer ${body.token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as TrpcBody };
}

describe('identity API over HTTP', () => {
  it('certifies a CSR with a valid token', async () => {
    const token = id.tokens.issue({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-1',
    });
    const r = await post('identity.certify', { csr: (await makeCsr([WEB])).pem, token });
    expect(r.status).toBe(200);
    expect(r.body.result.data.identity).toBe(WEB);
    expect(r.body.result.data.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('answers 403 to a CSR for another identity, with a message saying so', async () => {
    const token = id.tokens.issue({ namespace: 'demo', serviceAccount: 'web' });
    const r = await post('identity.certify', {
      csr: (await makeCsr(['x.demo.serviceaccount.identity.weft.cluster.local'])).pem,
      token,
    });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/asks for identity "x\.demo/);
    expect(r.body.error.data.meshCode).toBe('WEFT_FORBIDDEN');
  });

  it('answers 401 to a forged token and to none, and 400 to a missing field', async () => {
    const forged = await post('identity.certify', {
      csr: (await makeCsr([WEB])).pem,
      token: 'weft1.e30.AAAA',
    });
    expect(forged.status).toBe(401);
    expect(forged.body.error.message).toMatch(/signature is invalid/);
    const anonymous = await post('identity.certify', { csr: (await makeCsr([WEB])).pem });
    expect(anonymous.status).toBe(401);
    const token = id.tokens.issue({ namespace: 'demo', serviceAccount: 'web' });
    const res = await fetch(`http://${api.address}/trpc/identity.certify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ csr: (await makeCsr([WEB])).pem }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as TrpcBody).error.message).toMatch(/token/);
  });

  it('answers 401 to an expired token', async () => {
    const token = id.tokens.issue({ namespace: 'demo', serviceAccount: 'web' }, Date.now() - 25 * 3600_000);
    const r = await post('identity.certify', { csr: (await makeCsr([WEB])).pem, token });
    expect(r.status).toBe(401);
    expect(r.body.error.message).toMatch(/expired at/);
  });

  it('reports the CA state and the issued certificates', async () => {
    const asAdmin = { headers: { authorization: `Bearer ${auth.adminToken.token}` } };
    const status = (await (
      await fetch(`http://${api.address}/trpc/identity.status`, asAdmin)
    ).json()) as Query;
    expect(status.result.data).toMatchObject({
      trustDomain: 'cluster.local',
      source: 'generated',
      trustAnchor: { subject: 'CN=root.weft.cluster.local', expiringSoon: false },
      issuedTotal: 1,
      // Forged and expired tokens are refused before the identity service (401 from the API's auth).
      rejectedTotal: { identity_mismatch: 1 },
    });
    const input = encodeURIComponent(JSON.stringify({ namespace: 'demo', workload: 'web' }));
    const url = `http://${api.address}/trpc/identity.certificates?input=${input}`;
    const certs = (await (await fetch(url, asAdmin)).json()) as Query;
    expect(certs.result.data).toMatchObject([{ identity: WEB, pod: 'web-1' }]);
  });
});
