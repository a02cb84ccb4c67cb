// Two controller processes on the Kubernetes platform share sign-in state through the
// weft-auth Secret on the fake API server: one admin token for both; a user added with
// `npm run users` (WEFT_PLATFORM=kubernetes) signs in on either replica and the session
// works on the other; a login link minted on one is redeemed once, on the other; a
// sign-out on one ends the session on the other; sign-ins racing on both replicas all
// land (resourceVersion conflicts retried); the session outlives the replica it was
// opened on (SIGKILL).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyCrds } from '../src/install/crds.ts';
import { type ControllerProcess, waitFor } from './demo-harness.ts';
import { writeFakeKubeconfig } from './kube/kubeconfig.ts';
import { startReplica } from './kube/replicas.ts';
import { FakeApiServer } from './kube/server.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const USERS_CLI = join(REPO_ROOT, 'apps/controller/src/auth/users-cli.ts');

let server: FakeApiServer;
let dir: string;
let a: ControllerProcess;
let b: ControllerProcess;

type Reply<T> = { ok: true; data: T } | { ok: false; status: number; message: string };

async function call<T>(
  c: ControllerProcess,
  procedure: string,
  opts: { input?: unknown; mutation?: boolean; bearer?: string } = {},
): Promise<Reply<T>> {
  const query =
    !opts.mutation && opts.input !== undefined
      ? `?input=${encodeURIComponent(JSON.stringify(opts.input))}`
      : '';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const res = await fetch(`${c.url}/trpc/${procedure}${query}`, {
    method: opts.mutation ? 'POST' : 'GET',
    headers,
    ...(opts.mutation ? { body: JSON.stringify(opts.input ?? {}) } : {}),
  });
  const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
  return body.result
    ? { ok: true, data: body.result.data }
    : { ok: false, status: res.status, message: body.error?.message ?? '' };
}

async function ok<T>(reply: Promise<Reply<T>>): Promise<T> {
  const r = await reply;
  if (!r.ok) throw new Error(`${r.status}: ${r.message}`);
  return r.data;
}

const me = (c: ControllerProcess, bearer: string) =>
  call<{ kind: string; name: string; role: string | null }>(c, 'auth.me', { bearer });

const login = (c: ControllerProcess, user: string, password: string) =>
  ok(
    call<{ session: string; user: string; role: string }>(c, 'auth.login', {
      input: { user, password },
      mutation: true,
    }),
  );

function authSecret() {
  return server.store.get('v1/secrets', 'weft', 'weft-auth') as
    | { type?: string; data?: Record<string, string> }
    | undefined;
}

function addUser(name: string, role: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', USERS_CLI, 'add', name, role], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        WEFT_PLATFORM: 'kubernetes',
        KUBECONFIG: join(dir, 'kubeconfig'),
        WEFT_LEASE_NAMESPACE: 'weft',
        WEFT_USER_PASSWORD: password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(out) : reject(new Error(`users add exited ${code}: ${out}`));
    });
  });
}

const start = (name: string) => startReplica(dir, name);

beforeAll(async () => {
  server = new FakeApiServer();
  const url = await server.listen();
  dir = mkdtempSync(join(tmpdir(), 'weft-shared-auth-'));
  writeFakeKubeconfig(join(dir, 'kubeconfig'), url);
  for (const crd of policyCrds())
    await server.create('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, crd);
  await server.create('v1', 'Namespace', undefined, { metadata: { name: 'weft' } });
  // Both start at once: whichever writes the Secret first, the other adopts its admin token.
  [a, b] = await Promise.all([start('controller-a'), start('controller-b')]);
}, 90_000);

afterAll(async () => {
  for (const c of [a, b]) {
    if (!c) continue;
    if (c.child.exitCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sign-in shared by two replicas through the weft-auth Secret', () => {
  let adminToken = '';

  it('keeps one admin token, in a Secret, that both replicas accept', async () => {
    const secret = authSecret();
    expect(secret?.type).toBe('Opaque');
    adminToken = Buffer.from(secret?.data?.['admin-token'] ?? '', 'base64').toString('utf8');
    expect(adminToken).toMatch(/^wa_/);
    for (const c of [a, b])
      expect(await ok(me(c, adminToken))).toMatchObject({ kind: 'api-token', role: 'admin' });
    expect(a.output()).toContain('admin API token in Secret weft/weft-auth');
  });

  it('signs in on either replica a user added to the Secret, and honours the session on the other', async () => {
    expect(await addUser('vera', 'viewer', 'correct horse')).toContain('saved in Secret weft/weft-auth');
    const grant = await login(b, 'vera', 'correct horse');
    expect(await ok(me(a, grant.session))).toEqual({ kind: 'user', name: 'vera', role: 'viewer' });
    // The Secret holds the session's digest, never the session itself.
    const data = authSecret()?.data ?? {};
    const stored = Object.values(data)
      .map((v) => Buffer.from(v, 'base64').toString('utf8'))
      .join('\n');
    expect(stored).not.toContain(grant.session);
    expect(stored).not.toContain('correct horse');
    const wrong = await call(a, 'auth.login', { input: { user: 'vera', password: 'wrong' }, mutation: true });
    expect(wrong).toMatchObject({ ok: false, status: 401 });
  }, 60_000);

  it('redeems a login link minted on one replica once, on the other', async () => {
    const link = await ok(
      call<{ code: string }>(a, 'auth.createLoginLink', {
        input: { role: 'admin' },
        mutation: true,
        bearer: adminToken,
      }),
    );
    const grant = await ok(
      call<{ session: string }>(b, 'auth.redeemLink', { input: { code: link.code }, mutation: true }),
    );
    expect(await ok(me(a, grant.session))).toMatchObject({ kind: 'user', role: 'admin' });
    const again = await call(a, 'auth.redeemLink', { input: { code: link.code }, mutation: true });
    expect(again).toMatchObject({ ok: false, status: 401 });
    expect(again.ok ? '' : again.message).toMatch(/unknown, used or expired/);
  }, 30_000);

  it('ends on the other replica a session signed out on one', async () => {
    const grant = await login(a, 'vera', 'correct horse');
    expect(await ok(me(b, grant.session))).toMatchObject({ name: 'vera' });
    expect(await ok(call(b, 'auth.logout', { input: { session: grant.session }, mutation: true }))).toEqual({
      ended: true,
    });
    // The replica that opened it learns of the sign-out through its watch of the Secret.
    await waitFor(
      'controller-a to refuse the ended session',
      async () => !(await me(a, grant.session)).ok,
      5_000,
    );
    const refused = await me(a, grant.session);
    expect(refused).toMatchObject({ ok: false, status: 401 });
    expect(refused.ok ? '' : refused.message).toMatch(/expired or ended/);
  }, 30_000);

  it('keeps every session of sign-ins racing on both replicas, and after the replica that opened them is killed', async () => {
    const grants = await Promise.all([a, b, a, b, a, b].map((c) => login(c, 'vera', 'correct horse')));
    expect(new Set(grants.map((g) => g.session)).size).toBe(6);
    for (const g of grants)
      for (const c of [a, b]) expect(await ok(me(c, g.session))).toMatchObject({ name: 'vera' });
    a.child.kill('SIGKILL');
    await a.exited;
    for (const g of grants) expect(await ok(me(b, g.session))).toMatchObject({ name: 'vera' });
  }, 60_000);
});
