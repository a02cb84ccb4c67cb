// Discovery from a fake controller (a real tRPC server): endpoints streamed by
// destination.get, updates under load with no failed request, and the last known set
// kept while the controller is away, then the stream resumed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { sleep, startTestProxy, startUpstream, type Upstream, viaProxy } from './core-harness.ts';
import { ep, FakeController } from './fake-controller.ts';

const AUTH = 'svc.test.svc.cluster.local:8080';
let a: Upstream;
let b: Upstream;
let ctl: FakeController;
let proxy: RunningProxy;

beforeAll(async () => {
  a = await startUpstream((req, res) => {
    req.resume();
    setTimeout(() => res.end('a'), 2);
  });
  b = await startUpstream((req, res) => {
    req.resume();
    setTimeout(() => res.end('b'), 2);
  });
  ctl = new FakeController();
  await ctl.start();
  ctl.set(AUTH, [ep(a.port, 'alpha')]);
  proxy = await startTestProxy(
    {},
    { WEFT_PROXY_CONTROLLER_URL: ctl.url },
    { backoffMinMs: 50, backoffMaxMs: 200 },
  );
});

afterAll(async () => {
  await proxy.drain(0);
  await ctl.stop();
  await a.close();
  await b.close();
});

describe('destination.get', () => {
  it('resolves an authority through the controller and labels the endpoint', async () => {
    const r = await viaProxy(proxy, `http://${AUTH}/`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('a');
    // meshed endpoints get the caller's identity header... and the metrics its workload
    const text = await proxy.metrics.text();
    expect(text).toMatch(/request_total\{[^}]*dst_deployment="alpha"[^}]*\} 1/);
  });

  it('applies endpoint updates under load without failing a request', async () => {
    let stop = false;
    const seen = new Set<string>();
    let failed = 0;
    let done = 0;
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await viaProxy(proxy, `http://${AUTH}/x`, { method: 'POST', body: 'payload' });
        if (r.status !== 200) failed++;
        seen.add(r.body);
        done++;
      }
    });
    await sleep(150);
    ctl.set(AUTH, [ep(a.port, 'alpha'), ep(b.port, 'beta')]);
    await sleep(150);
    ctl.set(AUTH, [ep(b.port, 'beta')]);
    // wait until the update has reached the proxy: a stops getting requests while load goes on
    const until = Date.now() + 5000;
    let quiet = false;
    while (!quiet && Date.now() < until) {
      const [h0, d0] = [a.hits, done];
      await sleep(100);
      quiet = a.hits === h0 && done > d0;
    }
    expect(quiet).toBe(true);
    const onlyB = a.hits;
    await sleep(200);
    const onlyBLater = a.hits;
    ctl.set(AUTH, [ep(a.port, 'alpha')]);
    await sleep(150);
    stop = true;
    await Promise.all(load);
    expect(failed).toBe(0);
    expect(done).toBeGreaterThan(20);
    expect(seen).toEqual(new Set(['a', 'b']));
    // once only b was in the set (and what was in flight had finished), a got nothing
    expect(onlyBLater - onlyB).toBe(0);
  });

  it('keeps serving the last known endpoints while the controller is away, then resumes', async () => {
    const port = ctl.port;
    const subs = ctl.subscriptions;
    await ctl.stop();
    await sleep(300);
    for (let i = 0; i < 5; i++) {
      const r = await viaProxy(proxy, `http://${AUTH}/`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('a');
    }
    // back on the same address with a new set: the proxy reconnects and applies it
    ctl.set(AUTH, [ep(b.port, 'beta')]);
    await ctl.start(port);
    const deadline = Date.now() + 5000;
    let body = '';
    while (Date.now() < deadline) {
      body = (await viaProxy(proxy, `http://${AUTH}/`)).body;
      if (body === 'b') break;
      await sleep(50);
    }
    expect(body).toBe('b');
    expect(ctl.subscriptions).toBeGreaterThan(subs);
  });

  it('forwards an IP:port the controller does not know directly, and refuses unknown names', async () => {
    const r = await viaProxy(proxy, `http://127.0.0.1:${a.port}/`);
    expect(r.body).toBe('a');
    const n = await viaProxy(proxy, 'http://nothing.test.svc.cluster.local:80/');
    expect(n.status).toBe(503);
    expect(n.headers['weft-proxy-error']).toBe('unresolvable');
  });
});
