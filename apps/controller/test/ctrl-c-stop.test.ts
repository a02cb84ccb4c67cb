// Ctrl-C of `npm run controller` (SIGINT to the terminal's whole process group) stops
// every pod: after the stop the state file lists no pod and no recorded process still
// runs. One round here; `WEFT_CTRL_C_ROUNDS=10` repeats it (see ctrl-c-harness.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import {
  ctrlCRound,
  ctrlCRounds,
  type GroupRun,
  killLeftovers,
  NAMESPACES,
  startNpmGroup,
  writeManifests,
} from './ctrl-c-harness.ts';
import { reserveOctet } from './demo-harness.ts';

const ROUNDS = ctrlCRounds();
let dir: string;
let manifests: string;
let octet: number;
const runs: GroupRun[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-ctrl-c-'));
  manifests = writeManifests(dir);
  octet = await reserveOctet();
});

afterAll(async () => {
  // A failed round may leave its controller running: stop it and what it started.
  killLeftovers(runs, join(dir, 'state'));
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

it(
  `stops every pod on Ctrl-C of npm run controller, ${ROUNDS} time(s) at ${NAMESPACES} namespaces`,
  async () => {
    const stateDir = join(dir, 'state');
    for (let round = 1; round <= ROUNDS; round++) {
      const run = startNpmGroup(['run', '-s', 'controller'], {
        WEFT_API_ADDR: '127.0.0.1:0',
        WEFT_STATE_DIR: stateDir,
        WEFT_LOCAL_POD_OCTET: String(octet),
        WEFT_LOCAL_MANIFESTS: manifests,
        WEFT_LOCAL_WORKDIR: dir,
      });
      runs.push(run);
      await ctrlCRound(run, stateDir, `round ${round}`);
    }
  },
  60_000 + ROUNDS * 120_000,
);
