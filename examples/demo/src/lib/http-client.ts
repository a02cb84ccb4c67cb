/**
 * Calls another service over HTTP/1.1, honouring `HTTP_PROXY` as curl does: with a
 * proxy set, the request goes to the proxy in absolute form (`GET http://host:port/path`);
 * without one, straight to the service. Node's `http` does not read `HTTP_PROXY` itself.
 * One connection per request (no keep-alive), so a draining pod never races a reused socket.
 */
import http from 'node:http';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The proxy from `HTTP_PROXY` / `http_proxy`, if any. */
export function httpProxy(): URL | undefined {
  const raw = process.env.HTTP_PROXY || process.env.http_proxy;
  return raw ? new URL(raw) : undefined;
}

/** `host:port` of a service, from Kubernetes' `<NAME>_SERVICE_HOST` / `_SERVICE_PORT` env. */
export function serviceAuthority(service: string): string {
  const n = service.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const host = process.env[`${n}_SERVICE_HOST`];
  const port = process.env[`${n}_SERVICE_PORT`];
  if (!host || !port)
    throw new Error(
      `${n}_SERVICE_HOST and ${n}_SERVICE_PORT are not set: is the ${service} service declared?`,
    );
  return `${host}:${port}`;
}

/** Sends a request to `authority` (`host:port`) and reads the whole reply. */
export function call(
  authority: string,
  path: string,
  opts: { method?: string; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const proxy = httpProxy();
  const i = authority.lastIndexOf(':');
  const target = { host: authority.slice(0, i), port: Number(authority.slice(i + 1)) };
  const via = proxy ? { host: proxy.hostname, port: Number(proxy.port || 80) } : target;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: via.host,
        port: via.port,
        method: opts.method ?? 'GET',
        path: proxy ? `http://${authority}${path}` : path,
        headers: { host: authority, ...opts.headers },
        agent: false,
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end();
  });
}
