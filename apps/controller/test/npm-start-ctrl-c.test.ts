// Ctrl-C of `npm start` (SIGINT to the terminal's whole process group) stops every pod
// the controller runs: after the stop the state file lists no pod and no recorded
// process still runs. The dashboard is left out (WEFT_DASHBOARD=off) so no build runs;
// it holds no pod. One round here; `WEFT_CTRL_C_ROUNDS=10` repeats it.
import { ctrlCTest } from './ctrl-c-harness.ts';
import { freePort } from './demo-harness.ts';

ctrlCTest('npm start', ['start', '-s'], async () => ({
  WEFT_DASHBOARD: 'off',
  WEFT_API_ADDR: `127.0.0.1:${await freePort()}`,
}));
