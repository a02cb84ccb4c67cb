/**
 * Propagation reads `weft_policy_revision` (and `weft_policy_streams_waiting`) from each
 * meshed pod's admin `/metrics` over real HTTP on loopback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pod } from '@weft/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProxyRevisions } from './propagation.ts';

const servers: http.Server[] = [];

async function admin(body: string, status = 200): Promise<string> {
  const server = http.createServer((_req, res) =>
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pod(name: string, proxyAdmin: string | null, meshed = true): Pod {
  return {
    namespace: 'demo',
    name,
    workload: 'inventory',
    ip: '127.10.0.1',
    phase: 'Running',
    ready: true,
    meshed,
    restarts: 0,
    lastExit: null,
    proxyAdmin,
    startedAt: '',
  };
}

let addresses: string[];
beforeAll(async () => {
  addresses = await Promise.all([
    admin(
      '# TYPE weft_policy_revision gauge\nweft_policy_revision 7\nrequest_total{direction="inbound"} 3\n',
    ),
    admin('request_total 1\n'),
    admin('oops', 500),
    admin(
      '# TYPE weft_policy_streams_waiting gauge\nweft_policy_streams_waiting 1\nrequest_total{direction="inbound"} 3\n',
    ),
  ]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe('readProxyRevisions', () => {
  it('reports each meshed proxy’s revision, or why it has none', async () => {
    const [a, b, c, e] = addresses as [string, string, string, string];
    const out = await readProxyRevisions([
      pod('inv-a', a),
      pod('inv-b', b),
      pod('inv-c', c),
      pod('inv-d', '127.0.0.1:1'),
      pod('inv-e', e),
      pod('inv-unmeshed', null, false),
    ]);
    expect(out.map((p) => [p.pod, p.revision, p.error])).toEqual([
      ['inv-a', 7, undefined],
      ['inv-b', null, 'no weft_policy_revision on /metrics'],
      ['inv-c', null, 'HTTP 500 from /metrics'],
      ['inv-d', null, expect.stringMatching(/ECONNREFUSED/)],
      ['inv-e', null, '1 of its policy streams has had no update yet'],
    ]);
  });
});
