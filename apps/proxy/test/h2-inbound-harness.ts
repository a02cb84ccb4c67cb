// Test harness for the proxy's HTTP/2 server: an HTTP/2 app behind the proxy's real
// balancer (ConcreteService) and detection hand-off, served through the protocol servers
// on a loopback listener. Tests give the app's stream handler and drive the proxy's port.
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { DEFAULT_RETRY_BUDGET } from '../src/balance/budget.ts';
import { ConcreteService } from '../src/balance/concrete.ts';
import type { ConnTarget, ProxyContext } from '../src/detect/handoff.ts';
import { ProxyMetrics } from '../src/metrics/registry.ts';
import { inboundStack } from '../src/stack/inbound.ts';
import { PolicyRef } from '../src/stack/plan-view.ts';
import { TcpConnector } from '../src/transport/connector.ts';
import { createProtocolServers, type ProtocolServers } from '../src/tunnel/index.ts';

export interface H2Inbound {
  /** The proxy's port on 127.0.0.1 (HTTP/2 prior knowledge). */
  port: number;
  /** The protocol servers the proxy's listener hands its connections to. */
  servers: ProtocolServers;
  /** Closes the proxy's servers, its listener and the app. */
  close(): Promise<void>;
}

/** Starts an HTTP/2 app answering with `onStream` and the proxy's HTTP/2 server in front of it. */
export async function startH2Inbound(
  onStream: (stream: http2.ServerHttp2Stream) => void,
): Promise<H2Inbound> {
  const upstream = http2.createServer();
  upstream.on('stream', (stream) => {
    stream.on('error', () => {});
    onStream(stream);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const app = (upstream.address() as AddressInfo).port;

  const metrics = new ProxyMetrics({ namespace: 'test', deployment: 'app', pod: 'app-1' });
  const concrete = new ConcreteService(
    `127.0.0.1:${app}`,
    (authority) => metrics.inboundApp(authority),
    DEFAULT_RETRY_BUDGET,
  );
  concrete.update([
    { address: '127.0.0.1', port: app, pod: 'app-1', workload: 'app', namespace: 'test', meshed: false },
  ]);
  const servers = createProtocolServers(new TcpConnector());
  // Only what the HTTP/2 server reads of its listener's context.
  const ctx = { draining: false, stack: inboundStack(3000) } as ProxyContext;
  const target: ConnTarget = { ctx, authority: concrete.authority, concrete, policy: new PolicyRef() };
  const listener = net.createServer((socket) => {
    socket.once('readable', () => {
      const head = socket.read() as Buffer | null;
      servers.serveH2(socket, head ?? Buffer.alloc(0), target);
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;

  return {
    port,
    servers,
    async close() {
      servers.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  };
}

/** Collects a client stream's status and body (utf-8); rejects on a stream error. */
export function readResponse(req: http2.ClientHttp2Stream): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  });
}
