/** `weft version`: this CLI's version and, unless `--client`, the controller's. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { emit } from '../output.ts';

/** The version in apps/cli/package.json. */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description("print the CLI's and the controller's versions")
    .option('--client', "only the CLI's version (no controller needed)")
    .addHelpText('after', '\nExamples:\n  $ weft version\n  $ weft version --client -o json')
    .action(
      action(async ({ api, format }, opts: { client?: boolean }) => {
        const controller = opts.client ? undefined : (await api.health.get.query()).version;
        const data = { client: CLI_VERSION, ...(controller === undefined ? {} : { controller }) };
        emit(format, data, () =>
          [`client: ${data.client}`, ...(controller === undefined ? [] : [`controller: ${controller}`])].join(
            '\n',
          ),
        );
      }),
    );
}
