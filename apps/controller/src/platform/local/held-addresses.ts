/**
 * New pods get addresses nobody else holds. The local platform hands out the same
 * addresses run after run (its blocks start at a fixed octet), and pods run detached, so a
 * controller that was killed leaves its pods running on them. When a controller starts on
 * a fresh state directory (which lists none of them to adopt), a new pod given such an
 * address crash-loops on EADDRINUSE while the old pod answers its readiness probe: the
 * rollout would report a pod ready that never served. So an address on which anything
 * already accepts connections at one of the pod's ports is skipped, and named in the log.
 */
import net from 'node:net';
import { ErrorCode, MeshError } from '@weft/shared';
import type { AddressPool } from './addresses.ts';

/** Whether anything accepts connections on `ip` at one of `ports`. */
export type HeldCheck = (ip: string, ports: readonly number[]) => Promise<boolean>;

/** Addresses found held that one allocation skips, at most, before it gives up. */
export const MAX_HELD_SKIPS = 16;
/** How long a probe connection may take on loopback before the port counts as free. */
const PROBE_TIMEOUT_MS = 500;

/** A probe by connecting: refused means free; accepted means another process listens there. */
export const listenedOn: HeldCheck = async (ip, ports) =>
  (await Promise.all(ports.map((port) => accepts(ip, port)))).some(Boolean);

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (held: boolean) => {
      socket.destroy();
      resolve(held);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The lowest free address of `pool` that nothing holds at `ports`; the held ones it passed
 * are returned to the pool (a later allocation checks them again: their holder may be gone).
 */
export async function allocateUnheld(
  pool: AddressPool,
  ports: readonly number[],
  held: HeldCheck,
  onSkip: (ip: string) => void,
): Promise<string> {
  const skipped: string[] = [];
  try {
    for (let i = 0; i <= MAX_HELD_SKIPS; i++) {
      const ip = pool.allocate();
      if (!(await held(ip, ports))) return ip;
      skipped.push(ip);
      onSkip(ip);
    }
    throw new MeshError(
      ErrorCode.unavailable,
      `no pod address free of other processes: ${skipped.length} in a row are held by processes this controller does not run (${skipped[0]} first); stop them and retry`,
    );
  } finally {
    for (const ip of skipped) pool.release(ip);
  }
}
