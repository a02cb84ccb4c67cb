/**
 * Test harness for the proxy core: real upstream HTTP servers on loopback, a whole proxy
 * started in-process on ephemeral ports from a config object, explicit-proxy and raw
 * socket clients, and a Prometheus text parser to read `/metrics` back.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { type RunningProxy, type StartOptions, startProxy } from '../src/app.ts';
import { parseConfig, settingsFrom } from '../src/config/settings.ts';
import { parseProxyEnv } from '../src/env.ts';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** An upstream HTTP server; `hits` counts requests, `conns` connections. */
export interface Upstream {
  port: number;
  server: Server;
  hits: number;
  conns: number;
  close(): Promise<void>;
}

export async function startUpstream(handler: Handler, host = '127.0.0.1'): Promise<Upstream> {
  const u: Upstream = {
    port: 0,
    server: http.createServer((req, res) => {
      u.hits++;
      handler(req, res);
    }),
    hits: 0,
    conns: 0,
    close: () =>
      new Promise<void>((r) => {
        u.server.closeAllConnections();
        u.server.close(() => r());
      }),
  };
  u.server.on('connection', () => u.conns++);
  await new Promise<void>((r) => u.server.listen(0, host, () => r()));
  u.port = (u.server.address() as AddressInfo).port;
  return u;
}

/** Starts a proxy in-process with `config` (a ProxyConfig JSON object) on ephemeral ports. */
export async function startTestProxy(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<RunningProxy> {
  const e = parseProxyEnv({
    WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:0',
    WEFT_PROXY_ADMIN_LISTEN: '127.0.0.1:0',
    WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
    WEFT_PROXY_NAMESPACE: 'test',
    WEFT_PROXY_WORKLOAD: 'client',
    WEFT_PROXY_POD: 'client-1',
    // the suite can be run on either HTTP/2 engine: WEFT_PROXY_H2_ENGINE=node npx vitest run apps/proxy
    ...(process.env.WEFT_PROXY_H2_ENGINE ? { WEFT_PROXY_H2_ENGINE: process.env.WEFT_PROXY_H2_ENGINE } : {}),
    ...env,
  });
  // no inbound listener unless the test asks for one (never the fixed default port)
  const cfg = (config.inbound as { ports?: unknown } | undefined)?.ports
    ? config
    : { ...config, inbound: { ports: [] } };
  return startProxy(settingsFrom(e, parseConfig(cfg)), opts);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Sends one request through the proxy's outbound listener (absolute-form). */
export function viaProxy(
  proxy: RunningProxy,
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    agent?: http.Agent;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: proxy.outbound.port,
        path: url,
        method: init.method ?? 'GET',
        headers: { host: new URL(url).host, ...init.headers },
        agent: init.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Writes raw bytes to `port` and collects what comes back until the peer closes (or `ms`). */
export async function rawExchange(port: number, data: string | Buffer, ms = 3000): Promise<string> {
  return (await rawExchangeClosed(port, data, ms)).out;
}

/**
 * As `rawExchange`, also saying whether the connection ended on its own (`closed`) rather
 * than being cut after `ms`.
 */
export function rawExchangeClosed(
  port: number,
  data: string | Buffer,
  ms = 3000,
): Promise<{ out: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ out, closed: false });
    }, ms);
    s.on('data', (c) => {
      out += c.toString('latin1');
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ out, closed: true });
    });
    s.on('error', () => {});
    s.write(data);
  });
}

/** One sample of Prometheus text. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset prom-client writes). */
export function parseProm(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (let lm = re.exec(m[2] ?? ''); lm !== null; lm = re.exec(m[2] ?? '')) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, '$1');
    }
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sums the samples of `name` whose labels include `match`. */
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}

/** GETs a path on the admin server. */
export async function admin(proxy: RunningProxy, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: proxy.admin.port, path, method, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
