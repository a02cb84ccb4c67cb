import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { call, serviceAuthority } from './http-client.ts';
import { readKnobs } from './knobs.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** A server that answers with the request line and Host header it received. */
async function echoServer() {
  const server = http.createServer((req, res) =>
    res.end(JSON.stringify({ url: req.url, host: req.headers.host })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('call', () => {
  it('goes straight to the service without a proxy', async () => {
    const { server, port } = await echoServer();
    delete process.env.HTTP_PROXY;
    delete process.env.http_proxy;
    try {
      const r = await call(`127.0.0.1:${port}`, '/books/1');
      expect(JSON.parse(r.body)).toEqual({ url: '/books/1', host: `127.0.0.1:${port}` });
    } finally {
      server.close();
    }
  });

  it('sends an absolute-form request to HTTP_PROXY, as curl does', async () => {
    const { server, port } = await echoServer();
    process.env.HTTP_PROXY = `http://127.0.0.1:${port}`;
    try {
      const r = await call('127.20.0.3:8080', '/books/1');
      expect(JSON.parse(r.body)).toEqual({ url: 'http://127.20.0.3:8080/books/1', host: '127.20.0.3:8080' });
    } finally {
      server.close();
    }
  });
});

describe('demo configuration', () => {
  it("reads Kubernetes' service env and says what is missing", () => {
    process.env.MY_SVC_SERVICE_HOST = '127.20.0.9';
    process.env.MY_SVC_SERVICE_PORT = '80';
    expect(serviceAuthority('my-svc')).toBe('127.20.0.9:80');
    expect(() => serviceAuthority('nope')).toThrow(/NOPE_SERVICE_HOST and NOPE_SERVICE_PORT are not set/);
  });

  it('validates the knobs', () => {
    process.env.FAILURE_RATE = '0.1';
    process.env.LATENCY_MS = '20';
    expect(readKnobs()).toEqual({ failureRate: 0.1, latencyMs: 20, jitterMs: 0 });
    process.env.FAILURE_RATE = '2';
    expect(() => readKnobs()).toThrow(/FAILURE_RATE must be a number from 0 to 1 \(got "2"\)/);
  });
});
