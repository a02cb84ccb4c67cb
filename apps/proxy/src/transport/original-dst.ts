/**
 * The original destination of a connection that iptables redirected to this proxy
 * (`SO_ORIGINAL_DST`), read through the small native addon in `apps/proxy/native`
 * (built at install; Node has no API for it). `loadOriginalDst` returns null, and says so
 * once, when the addon is not there: the proxy then runs in explicit-proxy mode only.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Reads where a redirected socket was going: `ip:port`, or null when it was not redirected. */
export type OriginalDst = (socket: Socket) => string | null;

interface Addon {
  originalDst(fd: number): string | null;
}

/** Where the built addon may be: beside the sources (tsx) or beside the bundle (dist/). */
const CANDIDATES = ['../../native/build/original-dst.node', '../native/build/original-dst.node'];

function addonPath(override: string | undefined): string | undefined {
  if (override) return override;
  for (const rel of CANDIDATES) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Loads the addon. `log` gets one line when it cannot be loaded (and the reason). The
 * returned function never throws: a socket without a descriptor or a failing
 * `getsockopt` reads as "not redirected".
 */
export function loadOriginalDst(log: (line: string) => void, override?: string): OriginalDst | null {
  if (process.platform !== 'linux') {
    log('transparent capture unavailable: SO_ORIGINAL_DST exists on Linux only; explicit-proxy mode only');
    return null;
  }
  const path = addonPath(override);
  if (path === undefined) {
    log(
      'transparent capture unavailable: the original-dst addon is not built (run `node apps/proxy/native/build.mjs`); explicit-proxy mode only',
    );
    return null;
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    log(
      `transparent capture unavailable: cannot load ${path} (${(err as Error).message.split('\n')[0]}); explicit-proxy mode only`,
    );
    return null;
  }
  return (socket) => {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return null;
    try {
      return addon.originalDst(fd);
    } catch {
      return null;
    }
  };
}
