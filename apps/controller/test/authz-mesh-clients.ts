/**
 * The callers of the authorization tests, as plain clients of a proxy on loopback: a GET
 * through a proxy's outbound listener or straight to a port from a chosen source address,
 * a CONNECT tunnel, what a server-speaks-first app sends down one, a unary gRPC call's
 * status through a tunnel, and the sum of a metric's samples in an exposition.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';

export interface Reply {
  status: number;
  error: string | undefined;
  body: string;
}

function collect(req: http.ClientRequest, resolve: (r: Reply) => void): void {
  req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
  req.on('response', (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      body += c;
    });
    res.on('end', () =>
      resolve({ status: res.statusCode ?? 0, error: res.headers['weft-proxy-error'] as string, body }),
    );
  });
  req.on('error', (e) => resolve({ status: 0, error: e.message, body: '' }));
}

/** A GET for `authority` + `path` through the outbound listener on `proxyPort` (absolute form). */
export function getThroughProxy(proxyPort: number, authority: string, path: string): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get({
      host: '127.0.0.1',
      port: proxyPort,
      path: `http://${authority}${path}`,
      headers: { host: authority },
      agent: false,
    });
    collect(req, resolve);
  });
}

/** A GET straight to `port`, sent from the local address `from`. */
export function getDirect(
  port: number,
  from: string,
  path: string,
  headers: Record<string, string>,
): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, localAddress: from, agent: false, headers });
    collect(req, resolve);
  });
}

/** A CONNECT tunnel to `authority` through the outbound listener on `proxyPort` (rejects unless 200). */
export function connectTunnel(proxyPort: number, authority: string): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1');
    let head = Buffer.alloc(0);
    s.setTimeout(10_000, () => s.destroy(new Error('no CONNECT answer')));
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      s.removeListener('data', onData);
      s.setTimeout(0);
      s.pause();
      if (head.toString('latin1', 9, 12) !== '200') reject(new Error(head.toString('latin1', 0, end)));
      const rest = head.subarray(end + 4);
      if (rest.length > 0) s.unshift(rest);
      resolve(s);
    };
    s.on('data', onData);
    s.once('error', reject);
    s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** What a server-speaks-first app sent down `socket` before it closed (10 s at most). */
export function greeting(socket: net.Socket): Promise<{ data: string; error: string }> {
  return new Promise((resolve) => {
    let data = '';
    let error = '';
    socket.on('data', (c: Buffer) => {
      data += c.toString();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? 'error';
    });
    socket.on('close', () => resolve({ data, error }));
    socket.setTimeout(10_000, () => socket.destroy());
    socket.resume();
  });
}

/** One unary gRPC call to `authority` through a CONNECT tunnel on `proxyPort`; its grpc-status. */
export async function grpcStatusThrough(proxyPort: number, authority: string): Promise<string> {
  const socket = await connectTunnel(proxyPort, authority);
  const session = http2.connect(`http://${authority}`, { createConnection: () => socket });
  socket.resume();
  session.on('error', () => {});
  try {
    return await new Promise<string>((resolve, reject) => {
      const req = session.request({
        ':method': 'POST',
        ':path': '/catalog.Catalog/Get',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      req.setTimeout(10_000, () => req.close());
      let status = '';
      req.on('response', (h) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
      });
      req.on('trailers', (t) => {
        status = String(t['grpc-status'] ?? status);
      });
      req.on('data', () => {});
      req.on('end', () => resolve(status));
      req.on('error', reject);
      req.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  } finally {
    session.close();
  }
}

/** The sum of `name`'s samples in `exposition` that carry every `label="value"` of `labels`. */
export function sumSamples(exposition: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const line of exposition.split('\n'))
    if (line.startsWith(`${name}{`) && want.every((w) => line.includes(w)))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
