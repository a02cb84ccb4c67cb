/**
 * Who may call the API, over real HTTP against `startApiServer` with the real auth part:
 * no credential → 401, the wrong role → 403, each kind of caller (admin API token,
 * viewer and admin sessions, a proxy's workload token) gets what its role allows; Host,
 * Origin and body size are checked before anything else.
 */

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workload } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../src/api/server.ts';
import type { ApiServices } from '../src/api/trpc.ts';
import { AuthService } from '../src/auth/service.ts';
import type { Platform } from '../src/core/platform.ts';
import { Destination } from '../src/destination/destination.ts';
import { createIdentity, type Identity } from '../src/identity/index.ts';

const web = Workload.parse({
  namespace: 'demo',
  name: 'web',
  kind: 'Deployment',
  labels: { app: 'web' },
  serviceAccount: 'web',
  replicas: 1,
  readyReplicas: 1,
  meshedReplicas: 0,
  meshed: false,
  meshState: 'unmeshed',
  createdAt: new Date(0).toISOString(),
});

/** A platform holding one workload and one pod; `scale` and `podLogs` record that they ran. */
function fakePlatform() {
  const calls: string[] = [];
  const pods = new Set(['web-1']);
  const platform = {
    kind: 'local',
    listNamespaces: () => ['demo'],
    listWorkloads: () => [web],
    getWorkload: () => web,
    listPods: (ns?: string) =>
      ns === undefined || ns === 'demo' ? [...pods].map((name) => ({ namespace: 'demo', name })) : [],
    listServices: () => [],
    listEndpoints: () => [],
    podEndpoint: () => undefined,
    watch: () => () => {},
    problems: () => [],
    scale: async (_ref: unknown, replicas: number) => {
      calls.push(`scale ${replicas}`);
      return { ...web, replicas };
    },
    podLogs: async () => {
      calls.push('logs');
      return ['secret=hunter2'];
    },
  } as unknown as Platform;
  return { platform, calls, pods };
}

let dir: string;
let api: ApiServer;
let auth: AuthService;
let identity: Identity;
let fake: ReturnType<typeof fakePlatform>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-api-auth-'));
  fake = fakePlatform();
  identity = await createIdentity({
    stateDir: dir,
    trustDomain: 'cluster.local',
    podExists: (ns, name) => fake.platform.listPods(ns).some((p) => p.name === name),
    log: () => {},
  });
  auth = new AuthService({ stateDir: dir, enabled: true, workloads: identity.validator });
  await auth.setUser('vera', 'viewer', 'correct horse');
  const services: ApiServices = {
    platform: fake.platform,
    destination: new Destination(fake.platform),
    startedAt: Date.now(),
    version: 'test',
    identity: identity.service,
    auth,
    workloadTokens: identity.tokens,
  };
  api = await startApiServer(services, '127.0.0.1', 0);
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: { result?: { data?: unknown }; error?: { message: string; data?: { meshCode?: string } } };
}

async function call(
  kind: 'query' | 'mutation',
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const base = `http://${api.address}/trpc/${path}`;
  const res =
    kind === 'query'
      ? await fetch(
          `${base}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          {
            headers,
          },
        )
      : await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(input ?? {}),
        });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

/** The answer's data; fails the test naming the error when there is none. */
function data<T>(a: Answer): T {
  if (a.body.result?.data === undefined) throw new Error(`HTTP ${a.status}: ${a.body.error?.message}`);
  return a.body.result.data as T;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const scaleWeb = { namespace: 'demo', name: 'web', replicas: 0 };

describe('API authentication and roles', () => {
  it('answers 401 without a credential, naming how to authenticate, and changes nothing', async () => {
    const list = await call('query', 'workloads.list', {});
    expect(list.status).toBe(401);
    expect(list.body.error?.message).toMatch(/authentication required.*Authorization: Bearer/);
    expect(list.body.error?.data?.meshCode).toBe('WEFT_UNAUTHENTICATED');
    const scale = await call('mutation', 'workloads.scale', scaleWeb);
    expect(scale.status).toBe(401);
    expect(fake.calls).not.toContain('scale 0');
  });

  it('answers 401 to a wrong API token and to a malformed Authorization header', async () => {
    const wrong = await call('query', 'workloads.list', {}, bearer(`wa_${'x'.repeat(43)}`));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.message).toMatch(/not this controller’s admin token/);
    const basic = await call('query', 'workloads.list', {}, { authorization: 'Basic dTpw' });
    expect(basic.status).toBe(401);
  });

  it('lets the admin API token read and change', async () => {
    const admin = bearer(auth.adminToken.token);
    expect((await call('query', 'workloads.list', {}, admin)).status).toBe(200);
    const scale = await call('mutation', 'workloads.scale', { ...scaleWeb, replicas: 2 }, admin);
    expect(scale.status).toBe(200);
    expect(fake.calls).toContain('scale 2');
    const me = await call('query', 'auth.me', undefined, admin);
    expect(me.body.result?.data).toEqual({ kind: 'api-token', name: 'admin-token', role: 'admin' });
  });

  it('writes the admin token owner-only and reads the same one back at the next start', () => {
    expect(statSync(auth.adminToken.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'auth')).mode & 0o777).toBe(0o700);
    const again = new AuthService({ stateDir: dir, enabled: true, workloads: identity.validator });
    expect(again.adminToken.token).toBe(auth.adminToken.token);
  });

  it('gives a viewer reads but 403 on mesh, unmesh, scale and pod logs', async () => {
    const login = await call('mutation', 'auth.login', { user: 'vera', password: 'correct horse' });
    expect(login.status).toBe(200);
    const grant = data<{ session: string; role: string }>(login);
    expect(grant.role).toBe('viewer');
    const viewer = bearer(grant.session);
    expect((await call('query', 'workloads.list', {}, viewer)).status).toBe(200);
    expect((await call('query', 'health.get', undefined, viewer)).status).toBe(200);
    const before = fake.calls.length;
    for (const [path, input] of [
      ['workloads.scale', scaleWeb],
      ['workloads.mesh', { namespace: 'demo', name: 'web' }],
      ['workloads.unmesh', { namespace: 'demo', name: 'web' }],
    ] as const) {
      const r = await call('mutation', path, input, viewer);
      expect(r.status, path).toBe(403);
      expect(r.body.error?.message).toMatch(/needs the admin role/);
    }
    const logs = await call('query', 'pods.logs', { namespace: 'demo', name: 'web-1' }, viewer);
    expect(logs.status).toBe(403);
    expect(fake.calls.length).toBe(before);
    const me = await call('query', 'auth.me', undefined, viewer);
    expect(me.body.result?.data).toEqual({ kind: 'user', name: 'vera', role: 'viewer' });
  });

  it('refuses a wrong password with 401, and a viewer minting a login link with 403', async () => {
    const bad = await call('mutation', 'auth.login', { user: 'vera', password: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body.error?.message).toBe('unknown user or wrong password');
    const nobody = await call('mutation', 'auth.login', { user: 'nobody', password: 'x' });
    expect(nobody.status).toBe(401);
    const login = await call('mutation', 'auth.login', { user: 'vera', password: 'correct horse' });
    const viewer = bearer(data<{ session: string }>(login).session);
    expect((await call('mutation', 'auth.createLoginLink', {}, viewer)).status).toBe(403);
  });

  it('trades a one-time login link for an admin session once, and ends it on logout', async () => {
    const link = await call('mutation', 'auth.createLoginLink', {}, bearer(auth.adminToken.token));
    const { code } = data<{ code: string }>(link);
    const first = await call('mutation', 'auth.redeemLink', { code });
    expect(first.status).toBe(200);
    const { session } = data<{ session: string }>(first);
    expect(
      (await call('query', 'pods.logs', { namespace: 'demo', name: 'web-1' }, bearer(session))).status,
    ).toBe(200);
    const second = await call('mutation', 'auth.redeemLink', { code });
    expect(second.status).toBe(401);
    expect(second.body.error?.message).toMatch(/unknown, used or expired/);
    expect((await call('mutation', 'auth.logout', { session })).body.result?.data).toEqual({ ended: true });
    const after = await call('query', 'workloads.list', {}, bearer(session));
    expect(after.status).toBe(401);
    expect(after.body.error?.message).toMatch(/session has expired or ended/);
  });

  it('keeps sessions across a restart of the auth part', async () => {
    const login = await call('mutation', 'auth.login', { user: 'vera', password: 'correct horse' });
    const { session } = data<{ session: string }>(login);
    const restarted = new AuthService({ stateDir: dir, enabled: true, workloads: identity.validator });
    expect((await restarted.storage.session(session))?.user).toBe('vera');
  });

  it('lets a workload token call what a proxy needs, and nothing a dashboard user does', async () => {
    const token = identity.tokens.issue({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-1',
    });
    expect((await call('query', 'workloads.list', {}, bearer(token))).status).toBe(403);
    expect((await call('mutation', 'workloads.scale', scaleWeb, bearer(token))).status).toBe(403);
    const renewed = await call('mutation', 'identity.renewToken', {}, bearer(token));
    expect(renewed.status).toBe(200);
    const fresh = data<{ token: string }>(renewed).token;
    expect(fresh).not.toBe(token);
    expect((await call('mutation', 'identity.renewToken', {}, bearer(fresh))).status).toBe(200);
    // Admins and viewers are not proxies.
    expect((await call('mutation', 'identity.renewToken', {}, bearer(auth.adminToken.token))).status).toBe(
      403,
    );
  });

  it('opens destination.get only to a workload token', async () => {
    const token = identity.tokens.issue({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-1',
    });
    // An SSE subscription answers 200 and says why it refuses in its first event (after `connected`).
    const firstEvent = (headers: Record<string, string>) =>
      new Promise<string>((resolve, reject) => {
        const input = encodeURIComponent(JSON.stringify({ authority: '10.1.2.3:80' }));
        const req = request(
          `http://${api.address}/trpc/destination.get?input=${input}`,
          { headers: { accept: 'text/event-stream', ...headers } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
              const events = text.split('\n\n').slice(0, -1);
              const event = events.find((e) => e.includes('data:') && !/^event: (connected|ping)$/m.test(e));
              if (event !== undefined) {
                resolve(event);
                req.destroy();
              }
            });
          },
        );
        req.on('error', reject);
        req.end();
        setTimeout(() => reject(new Error('no event within 5 s')), 5000).unref();
      });
    const anonymous = await firstEvent({});
    expect(anonymous).toMatch(/serialized-error/);
    expect(anonymous).toMatch(/UNAUTHORIZED/);
    const admin = await firstEvent(bearer(auth.adminToken.token));
    expect(admin).toMatch(/FORBIDDEN/);
    const proxy = await firstEvent(bearer(token));
    expect(proxy).not.toMatch(/serialized-error/);
    expect(proxy).toMatch(/"authority":"10\.1\.2\.3:80"/);
  });

  it('refuses a workload token whose pod no longer exists, and an expired one', async () => {
    const token = identity.tokens.issue({
      namespace: 'demo',
      serviceAccount: 'web',
      workload: 'web',
      pod: 'web-9',
    });
    const gone = await call('mutation', 'identity.renewToken', {}, bearer(token));
    expect(gone.status).toBe(401);
    expect(gone.body.error?.message).toMatch(/pod demo\/web-9 no longer exists/);
    const old = identity.tokens.issue(
      { namespace: 'demo', serviceAccount: 'web', workload: 'web', pod: 'web-1' },
      Date.now() - 2 * identity.tokens.ttlMs,
    );
    const expired = await call('mutation', 'identity.renewToken', {}, bearer(old));
    expect(expired.status).toBe(401);
    expect(expired.body.error?.message).toMatch(/expired at/);
  });
});

describe('the request guard', () => {
  const admin = () => bearer(auth.adminToken.token);

  it('answers 403 to a foreign Host (DNS rebinding), and accepts IP and localhost Hosts', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `http://${api.address}/trpc/health.get`,
          { headers: { host, ...admin() }, setHost: false },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status('attacker.example:7090')).toBe(403);
    expect(await status(api.address)).toBe(200);
    expect(await status(`localhost:${api.address.split(':')[1]}`)).toBe(200);
  });

  it('answers 403 to a request with a foreign Origin, even with a valid token', async () => {
    const r = await call('query', 'health.get', undefined, { ...admin(), origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    expect(r.body.error?.message).toMatch(/cross-origin requests are refused/);
    const same = await call('query', 'health.get', undefined, {
      ...admin(),
      origin: `http://${api.address}`,
    });
    expect(same.status).toBe(200);
  });

  it('answers 413 to a body over 1 MiB, declared or streamed, and scales nothing', async () => {
    const big = JSON.stringify({ ...scaleWeb, pad: 'x'.repeat(1024 * 1024) });
    const declared = await fetch(`http://${api.address}/trpc/workloads.scale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin() },
      body: big,
    });
    expect(declared.status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        `http://${api.address}/trpc/workloads.scale`,
        { method: 'POST', headers: { 'content-type': 'application/json', ...admin() } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      // No Content-Length: chunked, so only counting the bytes can catch it.
      for (let i = 0; i < 17; i++) req.write(i === 0 ? big.slice(0, 65_536) : 'x'.repeat(65_536));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(fake.calls).not.toContain('scale 0');
  });
});
