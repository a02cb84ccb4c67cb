/**
 * nginx as the reference reverse proxy: one worker, HTTP/1.1 to the upstream with a
 * keep-alive pool, default buffering, access log off (its closest equivalent of the
 * Weft proxy's metrics costs a write per request; we compare with the faster setting).
 * Runs in the foreground (`daemon off`) so that we hold the master's pid.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { childrenOf } from '../lib/proc.ts';
import { freePort, type Spawned, spawnPinned, waitForPort } from '../lib/spawn.ts';

export interface Nginx {
  readonly proc: Spawned;
  readonly port: number;
  /** Master and worker pids (the worker does the proxying). */
  pids(): number[];
}

export async function startNginx(
  nginx: string,
  workDir: string,
  upstreamPort: number,
  taskset: string | null,
  cpu: string,
): Promise<Nginx> {
  const port = await freePort();
  const prefix = path.join(workDir, 'nginx');
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
pid ${path.join(prefix, 'nginx.pid')};
error_log ${path.join(prefix, 'logs/error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${path.join(prefix, 'body')};
  proxy_temp_path ${path.join(prefix, 'proxy')};
  fastcgi_temp_path ${path.join(prefix, 'fastcgi')};
  uwsgi_temp_path ${path.join(prefix, 'uwsgi')};
  scgi_temp_path ${path.join(prefix, 'scgi')};
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const proc = spawnPinned(taskset, cpu, nginx, [
    '-p',
    prefix,
    '-e',
    path.join(prefix, 'logs/error.log'),
    '-c',
    conf,
  ]);
  await waitForPort(port, proc);
  return { proc, port, pids: () => [proc.pid, ...childrenOf(proc.pid)] };
}
