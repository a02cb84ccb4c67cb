/**
 * The proxy's workload token is renewed before it expires: against a stand-in for the
 * controller's `identity.renewToken` on loopback, the token is traded at half its
 * lifetime, the old one is sent as the credential, and a refused renewal keeps the old
 * token and retries.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenExpiry, WorkloadToken } from './workload-token.ts';

/** A token shaped as the controller's (`weft1.<claims>.<mac>`), expiring at `exp`. */
function token(name: string, exp: number): string {
  return `weft1.${Buffer.from(JSON.stringify({ ns: 'demo', sa: name, exp })).toString('base64url')}.mac`;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Answers renewals with a fresh token valid `ttlMs`, or refuses while `refuse` says so; records the credentials sent. */
async function controller(ttlMs: number, refuse: () => boolean) {
  const seen: string[] = [];
  let n = 0;
  server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
    req.resume();
    if (refuse()) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'token: expired' } }));
      return;
    }
    n += 1;
    const t = token(`renewed-${n}`, Date.now() + ttlMs);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        result: { data: { token: t, expiresAt: new Date(Date.now() + ttlMs).toISOString() } },
      }),
    );
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('WorkloadToken', () => {
  it('reads the expiry of a token, and nothing from a malformed one', () => {
    expect(tokenExpiry(token('web', 1234))).toBe(1234);
    expect(tokenExpiry('garbage')).toBeUndefined();
  });

  it('renews at half the lifetime, sending the current token as the credential', async () => {
    const ctl = await controller(400, () => false);
    const first = token('initial', Date.now() + 400);
    const t = new WorkloadToken(first, { controllerUrl: ctl.url });
    t.start();
    try {
      expect(t.current()).toBe(first);
      await expect.poll(() => ctl.seen.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
      expect(ctl.seen[0]).toBe(`/trpc/identity.renewToken Bearer ${first}`);
      // The second renewal is made with the first renewed token.
      expect(ctl.seen[1]).toMatch(/^\/trpc\/identity\.renewToken Bearer weft1\./);
      expect(ctl.seen[1]).not.toContain(first);
      expect(t.current()).not.toBe(first);
      expect(t.authorization()).toBe(`Bearer ${t.current()}`);
    } finally {
      t.stop();
    }
  });

  it('keeps the old token when a renewal is refused, and retries', async () => {
    let refusals = 2;
    const ctl = await controller(60_000, () => refusals-- > 0);
    const first = token('initial', Date.now() + 10);
    const lines: string[] = [];
    const t = new WorkloadToken(first, { controllerUrl: ctl.url, retryMinMs: 20, log: (l) => lines.push(l) });
    t.start();
    try {
      await expect.poll(() => ctl.seen.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
      await expect.poll(() => t.current() !== first, { timeout: 5000 }).toBe(true);
      expect(lines.filter((l) => l.includes('renewal failed')).length).toBe(2);
      expect(lines.some((l) => l.startsWith('workload token renewed'))).toBe(true);
    } finally {
      t.stop();
    }
  });
});
