/** One readiness check of a pod's container: an HTTP GET (2xx/3xx) or a TCP connect. */
import http from 'node:http';
import net from 'node:net';

export type ProbeTarget =
  | { kind: 'http'; host: string; port: number; path: string }
  | { kind: 'tcp'; host: string; port: number };

/** True when the target answers within `timeoutMs`. Never throws. */
export function probeOnce(target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      resolve(ok);
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
        finish(status >= 200 && status < 400);
      },
    );
    req.once('timeout', () => {
      req.destroy();
      finish(false);
    });
    req.once('error', () => finish(false));
  });
}
