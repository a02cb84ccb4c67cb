/**
 * A real proxy process for tests that watch the proxy itself (its memory under a flood,
 * its exit): started with `node --import tsx apps/proxy/src/main.ts --config <file>` on
 * ephemeral loopback ports, which it reports on its `ready:` line; stopped by process id.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly outboundPort: number;
  /** The public port of each inbound pair, in order. */
  readonly inboundPorts: number[];
  readonly adminPort: number;
  /** Everything the proxy wrote to stderr so far. */
  stderr(): string;
  /** The process's private resident memory (`RssAnon`), in bytes. */
  rssAnon(): number;
  stop(): Promise<void>;
}

let seq = 0;

/**
 * Starts a proxy whose inbound listeners forward to `appPorts` (one each), with `config`
 * (a ProxyConfig JSON object) and `env` added; resolves once it is ready (15 s at most).
 */
export async function startProxyProcess(
  appPorts: number[],
  config: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<ProxyProcess> {
  const cfg = join(tmpdir(), `weft-proxy-${process.pid}-${seq++}.json`);
  writeFileSync(cfg, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/proxy/src/main.ts', '--config', cfg], {
    env: {
      ...process.env,
      WEFT_PROXY_OUTBOUND_LISTEN: '127.0.0.1:0',
      WEFT_PROXY_ADMIN_LISTEN: '127.0.0.1:0',
      WEFT_PROXY_INBOUND_PORTS: appPorts.map((p) => `0:${p}`).join(','),
      WEFT_PROXY_INBOUND_HOST: '127.0.0.1',
      WEFT_PROXY_DRAIN_GRACE_MS: '500',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(cfg, { force: true });
  };
  const t0 = Date.now();
  let ready: RegExpExecArray | null = null;
  while (ready === null) {
    ready = /ready: outbound [^:]+:(\d+), inbound (.*), admin [^:]+:(\d+)/.exec(stderr);
    if (ready !== null) break;
    if (child.exitCode !== null || Date.now() - t0 > 15_000) {
      await stop();
      throw new Error(`the proxy did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const inboundPorts = [...(ready[2] as string).matchAll(/:(\d+)→/g)].map((m) => Number(m[1]));
  return {
    child,
    outboundPort: Number(ready[1]),
    inboundPorts,
    adminPort: Number(ready[3]),
    stderr: () => stderr,
    rssAnon: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /^RssAnon:\s+(\d+) kB/m.exec(status);
      if (kb === null) throw new Error('no RssAnon in /proc status');
      return Number(kb[1]) * 1024;
    },
    stop,
  };
}
