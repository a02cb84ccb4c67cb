/** Entry point of `weft`: parses the command line and exits with the command's code. */

import { exitWithError } from './errors.ts';
import { buildProgram } from './program.ts';

try {
  const code = await buildProgram()
    .parseAsync(process.argv)
    .then(() => process.exitCode ?? 0);
  process.exitCode = code;
} catch (err) {
  exitWithError(err);
}
