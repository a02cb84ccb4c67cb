// Ctrl-C of `npm run controller` (SIGINT to the terminal's whole process group) stops
// every pod: after the stop the state file lists no pod and no recorded process still
// runs. One round here; `WEFT_CTRL_C_ROUNDS=10` repeats it (see ctrl-c-harness.ts).
import { ctrlCTest } from './ctrl-c-harness.ts';

ctrlCTest('npm run controller', ['run', '-s', 'controller'], async () => ({
  WEFT_API_ADDR: '127.0.0.1:0',
}));
