/**
 * One readiness check of a pod's container: an HTTP GET (2xx/3xx) or a TCP connect; and
 * of its proxy, whose `/ready` also says whether it serves mTLS, and as whom.
 */
import http from 'node:http';
import net from 'node:net';
import { PROXY_TLS_IDENTITY_HEADER } from '@weft/shared';

export type ProbeTarget =
  | { kind: 'http'; host: string; port: number; path: string }
  | { kind: 'tcp'; host: string; port: number };

/** A proxy's `/ready`: whether it is ready, and the identity it serves mTLS as (if any). */
export interface ProxyProbe {
  ready: boolean;
  tlsIdentity: string | undefined;
}

/** Checks a proxy's `/ready` at `host:port` within `timeoutMs`. Never throws. */
export async function probeProxy(host: string, port: number, timeoutMs: number): Promise<ProxyProbe> {
  const r = await httpProbe(
    { kind: 'http', host, port, path: '/ready' },
    timeoutMs,
    PROXY_TLS_IDENTITY_HEADER,
  );
  return { ready: r.ok, tlsIdentity: r.ok ? r.header : undefined };
}

/** True when the target answers within `timeoutMs`. Never throws. */
export async function probeOnce(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return (await httpProbe(target, timeoutMs)).ok;
}

function httpProbe(
  target: ProbeTarget,
  timeoutMs: number,
  header?: string,
): Promise<{ ok: boolean; header: string | undefined }> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, value?: string) => {
      if (done) return;
      done = true;
      resolve({ ok, header: value });
    };
    if (target.kind === 'tcp') {
      const socket = net.connect({ host: target.host, port: target.port });
      socket.setTimeout(timeoutMs, () => {
        socket.destroy();
        finish(false);
      });
      socket.once('connect', () => {
        socket.destroy();
        finish(true);
      });
      socket.once('error', () => finish(false));
      return;
    }
    const req = http.get(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        agent: false,
        timeout: timeoutMs,
        headers: { 'user-agent': 'weft-probe/1' },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        const value = header !== undefined ? res.headers[header] : undefined;
        finish(status >= 200 && status < 400, typeof value === 'string' && value !== '' ? value : undefined);
      },
    );
    req.once('timeout', () => {
      req.destroy();
      finish(false);
    });
    req.once('error', () => finish(false));
  });
}
