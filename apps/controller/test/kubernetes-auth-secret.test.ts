// The weft-auth Secret on the fake API server, through the storage the controller uses
// on Kubernetes: expired sessions are pruned at the next write, login codes are bounded
// (the oldest goes), a session ended through one reader is refused by another watching
// the Secret, and a damaged Secret is refused naming it and the key, unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CODES } from '../src/auth/login-links.ts';
import { SharedAuthStorage } from '../src/auth/shared-auth.ts';
import { AuthSecret } from '../src/platform/kubernetes/auth-secret.ts';
import { waitFor } from './demo-harness.ts';
import { fakeKubeConfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

let server: FakeApiServer;
let url: string;
const opened: AuthSecret[] = [];

async function secretIn(namespace: string, watch = true): Promise<AuthSecret> {
  const s = new AuthSecret(fakeKubeConfig(url), { namespace, log: () => {}, watch });
  await s.start();
  opened.push(s);
  return s;
}

const stored = (namespace: string, key: string) => {
  const data = (server.store.get('v1/secrets', namespace, 'weft-auth') as { data?: Record<string, string> })
    ?.data?.[key];
  return data === undefined ? undefined : JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
};

beforeAll(async () => {
  server = new FakeApiServer();
  url = await server.listen();
  for (const ns of ['weft', 'damaged'])
    await server.create('v1', 'Namespace', undefined, { metadata: { name: ns } });
});

afterAll(async () => {
  for (const s of opened) await s.stop();
  await server?.close();
});

describe('the weft-auth Secret', () => {
  it('prunes expired sessions at the next write and refuses them meanwhile', async () => {
    const storage = await SharedAuthStorage.open(await secretIn('weft'), { ttlMs: 200 });
    const first = await storage.createSession('vera', 'viewer');
    expect((await storage.session(first.secret))?.user).toBe('vera');
    await new Promise((r) => setTimeout(r, 300));
    expect(await storage.session(first.secret)).toBeUndefined();
    const second = await storage.createSession('ana', 'admin');
    const sessions = stored('weft', 'sessions.json').sessions as { user: string }[];
    expect(sessions.map((s) => s.user)).toEqual(['ana']);
    expect((await storage.session(second.secret))?.role).toBe('admin');
  });

  it(`keeps at most ${MAX_CODES} login codes, the oldest going first`, async () => {
    const storage = await SharedAuthStorage.open(await secretIn('weft', false));
    const codes = [];
    for (let i = 0; i <= MAX_CODES; i++) codes.push((await storage.createCode('viewer')).code);
    expect(stored('weft', 'login-codes.json').codes).toHaveLength(MAX_CODES);
    expect(await storage.redeemCode(codes[0] as string)).toBeUndefined();
    expect(await storage.redeemCode(codes[MAX_CODES] as string)).toBe('viewer');
    expect(await storage.redeemCode(codes[MAX_CODES] as string)).toBeUndefined();
  }, 30_000);

  it('has a session ended through one reader refused by another watching the Secret', async () => {
    const one = await SharedAuthStorage.open(await secretIn('weft'));
    const other = await SharedAuthStorage.open(await secretIn('weft'));
    const { secret } = await one.createSession('vera', 'viewer');
    expect((await other.session(secret))?.user).toBe('vera');
    expect(await one.endSession(secret)).toBe(true);
    await waitFor(
      'the other reader to see the sign-out',
      async () => (await other.session(secret)) === undefined,
      5000,
    );
    expect(await other.endSession(secret)).toBe(false);
  });

  it('refuses a damaged Secret naming it and the key, and leaves it as it was', async () => {
    await server.create('v1', 'Secret', 'damaged', {
      metadata: { name: 'weft-auth', labels: { 'weft.dev/auth': 'true' } },
      data: { 'sessions.json': Buffer.from('{"sessions": [').toString('base64') },
    });
    const before = server.store.get('v1/secrets', 'damaged', 'weft-auth')?.metadata.resourceVersion;
    await expect(SharedAuthStorage.open(await secretIn('damaged'))).rejects.toThrow(
      /the sign-in Secret damaged\/weft-auth key sessions\.json is not valid JSON/,
    );
    expect(server.store.get('v1/secrets', 'damaged', 'weft-auth')?.metadata.resourceVersion).toBe(before);
  });
});
