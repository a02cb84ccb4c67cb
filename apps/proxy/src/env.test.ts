import { readFileSync } from 'node:fs';
import { MeshError } from '@weft/shared';
import { describe, expect, it } from 'vitest';
import { parseProxyEnv } from './env.ts';

describe('parseProxyEnv', () => {
  it('gives the documented defaults', () => {
    const e = parseProxyEnv({});
    expect(e.inboundHost).toBe('0.0.0.0');
    expect(e.inboundPorts).toEqual([{ public: 4143, app: 8080 }]);
    expect(e.outboundListen).toEqual({ host: '127.0.0.1', port: 4140 });
    expect(e.adminListen).toEqual({ host: '127.0.0.1', port: 4191 });
    expect(e.drainGraceMs).toBe(10_000);
    expect(e.controllerUrl).toBeUndefined();
    expect(e.maxConnections).toBe(10_000);
    expect(e.maxConnectionsPerSource).toBe(1_000);
    expect(e.httpBodyMs).toBeUndefined();
    expect(e.h2Engine).toBe('wire');
    expect(e.meshH2).toBe(true);
  });
  it('parses every variable', () => {
    const e = parseProxyEnv({
      WEFT_PROXY_INBOUND_HOST: '127.10.0.5',
      WEFT_PROXY_INBOUND_PORTS: '8080:30001, 9090:30002',
      WEFT_PROXY_OUTBOUND_LISTEN: '127.10.0.5:4140',
      WEFT_PROXY_CONTROLLER_URL: 'http://127.0.0.1:7090',
      WEFT_PROXY_NAMESPACE: 'demo',
      WEFT_PROXY_WORKLOAD: 'web',
      WEFT_PROXY_POD: 'web-1',
      WEFT_PROXY_DRAIN_GRACE_MS: '500',
      WEFT_PROXY_H2_ENGINE: 'node',
    });
    expect(e.inboundPorts).toEqual([
      { public: 8080, app: 30001 },
      { public: 9090, app: 30002 },
    ]);
    expect(e.outboundListen).toEqual({ host: '127.10.0.5', port: 4140 });
    expect(e.drainGraceMs).toBe(500);
    expect(e.h2Engine).toBe('node');
    // HTTP/1 over HTTP/2 between proxies needs the wire engine
    expect(e.meshH2).toBe(false);
    expect(e.explicit.has('WEFT_PROXY_POD')).toBe(true);
  });
  it('names the bad variable', () => {
    expect(() => parseProxyEnv({ WEFT_PROXY_INBOUND_PORTS: '80' })).toThrow(/WEFT_PROXY_INBOUND_PORTS/);
    expect(() => parseProxyEnv({ WEFT_PROXY_ADMIN_LISTEN: 'nope' })).toThrow(MeshError);
    expect(() => parseProxyEnv({ WEFT_PROXY_DRAIN_GRACE_MS: '-1' })).toThrow(/DRAIN_GRACE/);
    expect(() => parseProxyEnv({ WEFT_PROXY_HTTP_BODY_TIMEOUT_MS: '0' })).toThrow(/HTTP_BODY_TIMEOUT/);
    expect(() => parseProxyEnv({ WEFT_PROXY_MAX_CONNECTIONS_PER_SOURCE: 'many' })).toThrow(/PER_SOURCE/);
    expect(() => parseProxyEnv({ WEFT_PROXY_H2_ENGINE: 'nghttp2' })).toThrow(/WEFT_PROXY_H2_ENGINE/);
    expect(() => parseProxyEnv({ WEFT_PROXY_MESH_H2: 'yes' })).toThrow(/WEFT_PROXY_MESH_H2/);
  });
  it('turns HTTP/1 over HTTP/2 between proxies off', () => {
    expect(parseProxyEnv({ WEFT_PROXY_MESH_H2: 'off' }).meshH2).toBe(false);
    expect(parseProxyEnv({ WEFT_PROXY_MESH_H2: 'on' }).meshH2).toBe(true);
  });
});

describe('docs/interfaces.md', () => {
  it('lists every variable the proxy reads', async () => {
    const docs = readFileSync(new URL('../../../docs/interfaces.md', import.meta.url), 'utf8');
    const names = Object.entries(await import('./env.ts'))
      .filter(([key, value]) => key.startsWith('ENV_') && typeof value === 'string')
      .map(([, value]) => value as string);
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((name) => !docs.includes(`\`${name}\``))).toEqual([]);
  });
});
