/**
 * The demo server's knobs endpoint: a PUT makes the service fail on purpose from the next
 * request on (how the canary test breaks inventory-v2), bad bodies are refused with the
 * field named and change nothing.
 */
import type http from 'node:http';
import { freePort } from '@weft/shared/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { INJECTED_HEADER } from './knobs.ts';
import { KNOBS_PATH, serve } from './server.ts';

const saved = { ...process.env };
let server: http.Server | undefined;
afterEach(async () => {
  Object.assign(process.env, saved);
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function start(): Promise<string> {
  const port = await freePort();
  process.env.HOST = '127.0.0.1';
  process.env.PORT = String(port);
  server = serve('inventory', async () => ({ status: 200, body: { ok: true } }), {
    failureRate: 0,
    latencyMs: 0,
    jitterMs: 0,
  });
  await new Promise<void>((r) => (server as http.Server).once('listening', () => r()));
  return `http://127.0.0.1:${port}`;
}

const put = (base: string, body: string) =>
  fetch(`${base}${KNOBS_PATH}`, { method: 'PUT', body, signal: AbortSignal.timeout(3000) });

describe('/_demo/knobs', () => {
  it('makes the service fail on purpose once failureRate is 1, and back', async () => {
    const base = await start();
    expect((await fetch(`${base}/stock/1`)).status).toBe(200);
    const res = await put(base, '{"failureRate": 1}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ failureRate: 1, latencyMs: 0, jitterMs: 0 });
    const failed = await fetch(`${base}/stock/1`);
    expect(failed.status).toBe(500);
    expect(failed.headers.get(INJECTED_HEADER)).toBe('inventory');
    await put(base, '{"failureRate": 0}');
    expect((await fetch(`${base}/stock/1`)).status).toBe(200);
    expect(await (await fetch(`${base}${KNOBS_PATH}`)).json()).toMatchObject({ failureRate: 0 });
  });

  it('refuses a bad body, naming the field, and changes nothing', async () => {
    const base = await start();
    const out = async (body: string) => {
      const r = await put(base, body);
      return `${r.status} ${((await r.json()) as { error: string }).error}`;
    };
    expect(await out('{"failureRate": 2, "latencyMs": 5}')).toBe(
      '400 inventory: failureRate must be a number from 0 to 1 (got 2)',
    );
    expect(await out('{"speed": 1}')).toBe(
      '400 inventory: unknown knob "speed" (known: failureRate, latencyMs, jitterMs)',
    );
    expect(await out('not json')).toMatch(/^400 inventory: /);
    expect(await out(`{"latencyMs": ${'1'.repeat(2000)}}`)).toBe('413 body must be at most 1024 bytes');
    expect(await (await fetch(`${base}${KNOBS_PATH}`)).json()).toEqual({
      failureRate: 0,
      latencyMs: 0,
      jitterMs: 0,
    });
  });
});
