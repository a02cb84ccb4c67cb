/**
 * Free ports for tests that must name a port before the process that binds it starts
 * (a proxy or controller told its addresses in its environment).
 *
 * Asking the kernel for port 0 and closing it leaves a window in which the same port can be
 * handed to someone else: the kernel gives ports from its ephemeral range to every outgoing
 * connection and every `listen(0)` on the machine, and parallel test files make thousands of
 * them. So ports here come from below the ephemeral range, where the kernel never hands out
 * ports by itself, chosen at random, checked bindable, and never handed out twice by one
 * process. Only another test process picking the same port in the same instant can collide.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port handed out: above the well-known and common service ports. */
const LOWEST = 20_000;
/** Tries before giving up: the range holds thousands of ports, so this is never reached in practice. */
const MAX_TRIES = 200;

const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > LOWEST + 1000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

const highest = ephemeralStart() - 1;

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port on `host` (127.0.0.1 by default) that nothing listens on and that this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (handedOut.has(port)) continue;
    if (await bindable(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${LOWEST} and ${highest} on ${host} after ${MAX_TRIES} tries`);
}
