/**
 * The e2e run's addresses and directories, chosen once in Playwright's main process and
 * passed to its workers through the environment (workers re-read the config, and must
 * see the same values). Ports are random, below the ephemeral range; the local platform's address
 * blocks (127.10.<octet>.x, 127.20.<octet>.x) are below the ones the controller's own
 * tests draw from (60 and up) and away from `npm start`'s (0).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function once(name: string, make: () => string): string {
  const held = process.env[name];
  if (held) return held;
  const value = make();
  process.env[name] = value;
  return value;
}

/**
 * A random port below the kernel's ephemeral range (32768 and up by default), where no
 * outgoing connection or `listen(0)` elsewhere on the machine can take it before the
 * webServer binds it; never `not`.
 */
function randomPort(not = 0): string {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (port !== not) return String(port);
  }
}

/** The controller Playwright's webServer runs for the mesh tests. */
export const API_PORT = Number(once('WEFT_E2E_API_PORT', randomPort));
/** The dashboard (`next start`) Playwright's webServer runs, pointed at that controller. */
export const WEB_PORT = Number(once('WEFT_E2E_WEB_PORT', () => randomPort(API_PORT)));
export const STATE_DIR = once('WEFT_E2E_STATE_DIR', () => mkdtempSync(join(tmpdir(), 'weft-e2e-state-')));
/** Third octet of the pod and service address blocks of the webServer's controller. */
export const POD_OCTET = 40;
/** Third octet for controllers a test starts itself. */
export const OWN_POD_OCTET = 44;
