/**
 * Transparent capture in real Linux network namespaces: an unmodified client (curl, and
 * Node's built-in fetch, which ignores HTTP_PROXY) in one namespace calls a service
 * address nobody listens on; iptables (the shared `redirectionScript`) sends the call to
 * the client pod's proxy, which reads the original destination, resolves it through the
 * destination service, and opens mTLS to the server pod, whose own rules hand the
 * connection to its proxy; both proxies count the request as mTLS. Root only: without
 * root or iptables the file says so in one line and its tests are skipped.
 */
import { resolve } from 'node:path';
import { CAPTURE_INBOUND_PORT, CAPTURE_OUTBOUND_PORT, redirectionScript } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCa } from '../src/tls/test-ca.ts';
import { FakeController } from './fake-controller.ts';
import { labUnavailable, NetnsLab } from './netns.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const unavailable = labUnavailable();
if (unavailable !== null) console.log(`capture-netns: skipped: ${unavailable}`);

const HOST = '169.254.213.1';
const CLIENT_POD = '169.254.213.2'; // client's end of the link to this host (admin, controller)
const SERVER_ADMIN = '169.254.213.6'; // server's end of the link to this host
const CLIENT_IP = '169.254.213.9'; // client's end of the pod-to-pod link
const SERVER_IP = '169.254.213.10'; // the server pod's address
const SERVICE = '169.254.213.100'; // the Service's address: nobody listens there
const PROXY_GID = 2102;
const APP_PORT = 8080;
const TCP_PORT = 7000; // a server-speaks-first TCP service beside the HTTP one
const ADMIN_PORT = 4191;
const TRUST = 'cluster.local';
const idOf = (sa: string) => `${sa}.test.serviceaccount.identity.weft.${TRUST}`;

/** The environment of a process in a pod: no proxy variables at all. */
function podEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

function sumSeries(text: string, name: string, labels: string[]): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (labels.every((l) => line.includes(l))) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function waitFor(
  what: string,
  ms: number,
  probe: () => Promise<boolean>,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not within ${ms} ms: ${logs()}`);
}

describe.skipIf(unavailable !== null)('transparent capture in network namespaces', () => {
  const lab = new NetnsLab();
  const controller = new FakeController();
  let client = '';
  let server = '';
  const procs: { output: string[] }[] = [];
  const logs = () => procs.map((p) => p.output.join('')).join('\n---\n');

  const adminGet = async (address: string, path: string) => {
    const res = await fetch(`http://${address}:${ADMIN_PORT}${path}`, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, body: await res.text() };
  };

  function startProxy(ns: string, workload: string, controllerUrl: string) {
    const env = podEnv({
      WEFT_PROXY_CAPTURE: 'transparent',
      WEFT_PROXY_OUTBOUND_LISTEN: `127.0.0.1:${CAPTURE_OUTBOUND_PORT}`,
      WEFT_PROXY_INBOUND_HOST: '0.0.0.0',
      // every inbound port arrives on 4143; the original destination's port picks the app port
      WEFT_PROXY_INBOUND_PORTS: `${CAPTURE_INBOUND_PORT}:${APP_PORT},${CAPTURE_INBOUND_PORT}:${TCP_PORT}`,
      WEFT_PROXY_ADMIN_LISTEN: `0.0.0.0:${ADMIN_PORT}`,
      WEFT_PROXY_CONTROLLER_URL: controllerUrl,
      WEFT_PROXY_NAMESPACE: 'test',
      WEFT_PROXY_WORKLOAD: workload,
      WEFT_PROXY_POD: `${workload}-1`,
      WEFT_PROXY_SERVICE_ACCOUNT: workload,
      WEFT_PROXY_IDENTITY_TOKEN: `token-${workload}`,
      WEFT_PROXY_DRAIN_GRACE_MS: '0',
    });
    const p = lab.start(
      ns,
      [process.execPath, '--import', 'tsx', resolve(ROOT, 'apps/proxy/src/main.ts')],
      env,
      PROXY_GID,
    );
    procs.push(p);
    return p;
  }

  beforeAll(async () => {
    try {
      client = lab.namespace('client');
      server = lab.namespace('server');
      lab.link(null, HOST, client, CLIENT_POD, 'c');
      lab.link(null, HOST, server, SERVER_ADMIN, 's');
      lab.link(client, CLIENT_IP, server, SERVER_IP, 'p');
      lab.route(client, SERVICE, SERVER_IP);
      const rules = redirectionScript({ proxyGid: PROXY_GID });
      lab.sh(client, rules);
      lab.sh(server, rules);

      const ca = await testCa('capture');
      controller.serveIdentity(ca, { 'token-curl': idOf('curl'), 'token-web': idOf('web') });
      controller.set(
        `${SERVICE}:80`,
        [
          {
            address: SERVER_IP,
            port: APP_PORT,
            pod: 'web-1',
            workload: 'web',
            namespace: 'test',
            meshed: true,
            identity: idOf('web'),
          },
        ],
        { namespace: 'test', name: 'web' },
      );
      controller.set(
        `${SERVICE}:${TCP_PORT}`,
        [
          {
            address: SERVER_IP,
            port: TCP_PORT,
            pod: 'web-1',
            workload: 'web',
            namespace: 'test',
            meshed: true,
            identity: idOf('web'),
          },
        ],
        { namespace: 'test', name: 'greeter' },
      );
      await controller.start(0, HOST);

      const app = lab.start(
        server,
        [
          process.execPath,
          '-e',
          `require('http').createServer((q, s) => s.end('web saw ' + q.url + ' from ' + q.socket.remoteAddress)).listen(${APP_PORT}, '0.0.0.0')`,
        ],
        podEnv(),
      );
      procs.push(app);
      const greeter = lab.start(
        server,
        [
          process.execPath,
          '-e',
          `require('net').createServer((s) => { s.on('error', () => {}); s.end('greeting for ' + s.remoteAddress + '\\n'); }).listen(${TCP_PORT}, '0.0.0.0')`,
        ],
        podEnv(),
      );
      procs.push(greeter);
      startProxy(server, 'web', controller.url);
      startProxy(client, 'curl', controller.url);
      for (const admin of [CLIENT_POD, SERVER_ADMIN])
        await waitFor(
          `proxy at ${admin} ready`,
          45_000,
          async () => (await adminGet(admin, '/ready')).status === 200,
          logs,
        );
    } catch (err) {
      await lab.teardown();
      await controller.stop();
      throw err;
    }
  }, 120_000);

  afterAll(async () => {
    await lab.teardown();
    await controller.stop();
  }, 30_000);

  it('an unmodified curl is intercepted, sent over mTLS, and counted by both proxies', async () => {
    // the Host header names nothing the mesh knows: only the original destination can route this
    const r = await lab.exec(
      client,
      ['curl', '-sS', '-m', '15', '-H', 'host: web.example', `http://${SERVICE}/from-curl`],
      podEnv(),
    );
    expect(r.stderr, logs()).toBe('');
    // the app answered, and its caller was its own proxy (loopback), not the client pod
    expect(r.stdout).toBe('web saw /from-curl from 127.0.0.1');

    const out = (await adminGet(CLIENT_POD, '/metrics')).body;
    expect(
      sumSeries(out, 'request_total', [
        'direction="outbound"',
        `authority="${SERVICE}:80"`,
        'tls="true"',
        `server_id="${idOf('web')}"`,
      ]),
      out,
    ).toBeGreaterThanOrEqual(1);
    const inb = (await adminGet(SERVER_ADMIN, '/metrics')).body;
    expect(
      sumSeries(inb, 'request_total', ['direction="inbound"', 'tls="true"', `client_id="${idOf('curl')}"`]),
      inb,
    ).toBeGreaterThanOrEqual(1);
  });

  it("Node's built-in fetch, which ignores HTTP_PROXY, is intercepted and counted the same way", async () => {
    const before = sumSeries((await adminGet(SERVER_ADMIN, '/metrics')).body, 'request_total', [
      'direction="inbound"',
      'tls="true"',
      `client_id="${idOf('curl')}"`,
    ]);
    const script = `fetch('http://${SERVICE}/from-fetch').then(async (r) => console.log(r.status, await r.text()), (e) => { console.error(String(e.cause ?? e)); process.exit(1); })`;
    const r = await lab.exec(client, [process.execPath, '-e', script], podEnv());
    expect(r.stderr, logs()).toBe('');
    expect(r.stdout.trim()).toBe('200 web saw /from-fetch from 127.0.0.1');
    const after = (await adminGet(SERVER_ADMIN, '/metrics')).body;
    expect(
      sumSeries(after, 'request_total', ['direction="inbound"', 'tls="true"', `client_id="${idOf('curl')}"`]),
    ).toBe(before + 1);
    const out = (await adminGet(CLIENT_POD, '/metrics')).body;
    expect(
      sumSeries(out, 'response_total', [
        'direction="outbound"',
        `authority="${SERVICE}:80"`,
        'tls="true"',
        'classification="success"',
      ]),
    ).toBe(2);
  });

  it('opaque TCP where the server speaks first reaches the right app port over mTLS', async () => {
    const script = `const s = require('net').connect(${TCP_PORT}, '${SERVICE}'); let b = ''; s.on('data', (d) => (b += d)); s.on('error', (e) => { console.error(String(e)); process.exit(1); }); s.on('close', () => console.log(b.trim()));`;
    const r = await lab.exec(client, [process.execPath, '-e', script], podEnv());
    expect(r.stdout.trim(), r.stderr + logs()).toBe('greeting for 127.0.0.1');
    const out = (await adminGet(CLIENT_POD, '/metrics')).body;
    expect(
      sumSeries(out, 'tcp_open_total', [
        'direction="outbound"',
        `authority="${SERVICE}:${TCP_PORT}"`,
        'tls="true"',
        'peer="dst"',
      ]),
      out,
    ).toBeGreaterThanOrEqual(1);
  });
});
