// Workload identity end to end on the Kubernetes platform: a real proxy process (the
// proxy's main, reading its projected token from WEFT_PROXY_IDENTITY_TOKEN_FILE), a real
// controller process with WEFT_PLATFORM=kubernetes, and the fake API server playing the
// authenticator behind TokenReview. The proxy of service account demo/web gets a
// certificate for that identity; one holding a token of another service account, or a
// token for another audience, gets none and says why in its log.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControllerProcess, REPO_ROOT, startControllerProcess, waitFor } from './demo-harness.ts';
import { writeFakeKubeconfig } from './kube/kubeconfig.ts';
import { FakeApiServer } from './kube/server.ts';

const PROXY_MAIN = join(REPO_ROOT, 'apps/proxy/src/main.ts');

/** The tokens the fake authenticator knows: whose they are, and for which audiences. */
const TOKENS: Record<string, { user: string; audiences: string[]; pod: string }> = {
  'token-web': { user: 'system:serviceaccount:demo:web', audiences: ['weft'], pod: 'web-7c9d-aaaaa' },
  'token-api': { user: 'system:serviceaccount:demo:api', audiences: ['weft'], pod: 'api-6b8e-bbbbb' },
  'token-web-apiserver': {
    user: 'system:serviceaccount:demo:web',
    audiences: ['https://kubernetes.default.svc'],
    pod: 'web-7c9d-aaaaa',
  },
};

interface ProxyRun {
  child: ChildProcess;
  log: () => string;
  exited: Promise<void>;
}

let server: FakeApiServer;
let dir: string;
let controller: ControllerProcess;
const proxies: ProxyRun[] = [];
/** The audiences each TokenReview asked for. */
const reviewedAudiences: string[][] = [];

/** The proxy's main as kubelet would run it in a pod of service account demo/web. */
function startProxy(token: string): ProxyRun {
  const tokenFile = join(dir, `${token}.jwt`);
  writeFileSync(tokenFile, token);
  const child = spawn(process.execPath, ['--import', 'tsx', PROXY_MAIN], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:0',
      WEFT_PROXY_ADMIN_LISTEN: '127.0.0.1:0',
      WEFT_PROXY_INBOUND_PORTS: '0:1',
      WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
      WEFT_PROXY_CONTROLLER_URL: controller.url,
      WEFT_PROXY_IDENTITY_TOKEN_FILE: tokenFile,
      WEFT_PROXY_NAMESPACE: 'demo',
      WEFT_PROXY_SERVICE_ACCOUNT: 'web',
      WEFT_PROXY_WORKLOAD: 'web',
      WEFT_PROXY_POD: 'web-7c9d-aaaaa',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const run = { child, log: () => out, exited: new Promise<void>((r) => child.once('exit', () => r())) };
  proxies.push(run);
  return run;
}

async function stopProxy(p: ProxyRun) {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

beforeAll(async () => {
  server = new FakeApiServer();
  server.reviewTokens((token, audiences) => {
    reviewedAudiences.push(audiences);
    const t = TOKENS[token];
    const shared = t?.audiences.filter((a) => audiences.includes(a)) ?? [];
    if (!t || shared.length === 0) return { authenticated: false, error: 'token audiences is invalid' };
    return {
      authenticated: true,
      audiences: shared,
      user: { username: t.user, extra: { 'authentication.kubernetes.io/pod-name': [t.pod] } },
    };
  });
  const url = await server.listen();
  dir = mkdtempSync(join(tmpdir(), 'weft-k8s-identity-'));
  for (const ns of ['weft', 'demo'])
    await server.create('v1', 'Namespace', undefined, { metadata: { name: ns } });
  controller = await startControllerProcess({
    stateDir: join(dir, 'state'),
    octet: 0,
    env: {
      WEFT_PLATFORM: 'kubernetes',
      KUBECONFIG: writeFakeKubeconfig(join(dir, 'kubeconfig'), url),
      WEFT_POD_NAME: 'controller-a',
      WEFT_LEASE_NAMESPACE: 'weft',
    },
  });
}, 60_000);

afterAll(async () => {
  for (const p of proxies) await stopProxy(p);
  if (controller && controller.child.exitCode === null) controller.child.kill('SIGKILL');
  await controller?.exited;
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('identity on Kubernetes, proxy to controller to TokenReview', () => {
  it('certifies the proxy as its service account with its projected token', async () => {
    const p = startProxy('token-web');
    await waitFor('the proxy to be certified', () => /certified as (\S+)/.exec(p.log())?.[1], 30_000);
    expect(/certified as (\S+)/.exec(p.log())?.[1]).toBe(
      'web.demo.serviceaccount.identity.weft.cluster.local',
    );
    expect(server.requests).toContain('POST /apis/authentication.k8s.io/v1/tokenreviews');
    expect(reviewedAudiences.every((a) => JSON.stringify(a) === '["weft"]')).toBe(true);
    await stopProxy(p);
  }, 40_000);

  it('refuses a token of another service account, naming both identities', async () => {
    const p = startProxy('token-api');
    const line = await waitFor(
      'the refusal in the proxy log',
      () => /certificate request failed.*$/m.exec(p.log())?.[0],
      30_000,
    );
    expect(line).toMatch(/web\.demo\.serviceaccount.*api\.demo\.serviceaccount/);
    expect(p.log()).not.toMatch(/certified as/);
    await stopProxy(p);
  }, 40_000);

  it('refuses a token meant for another audience', async () => {
    const p = startProxy('token-web-apiserver');
    const line = await waitFor(
      'the refusal in the proxy log',
      () => /certificate request failed.*$/m.exec(p.log())?.[0],
      30_000,
    );
    expect(line).toMatch(/did not accept it: token audiences is invalid/);
    expect(p.log()).not.toMatch(/certified as/);
    await stopProxy(p);
  }, 40_000);
});
