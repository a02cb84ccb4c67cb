/** The `weft` command tree: global options, and every command registered from its own module. */
import { Command, Option } from 'commander';
import { registerCheck } from './commands/check.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerDashboard } from './commands/dashboard.ts';
import { registerIdentity } from './commands/identity.ts';
import { registerInject } from './commands/inject.ts';
import { registerInstall } from './commands/install.ts';
import { registerMesh } from './commands/mesh.ts';
import { registerEdges, registerStat } from './commands/metrics.ts';
import { registerPolicy } from './commands/policy.ts';
import { registerTap, registerTop } from './commands/tap.ts';
import { CLI_VERSION, registerVersion } from './commands/version.ts';
import { DEFAULT_CONTROLLER_URL } from './config.ts';
import { OUTPUT_FORMATS } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('weft')
    .description("Weft's command line: check, observe and change the mesh through its controller")
    .version(CLI_VERSION, '--version', "print the CLI's version")
    .option(
      '--controller <url>',
      `the controller's API (env WEFT_CONTROLLER_URL; default ${DEFAULT_CONTROLLER_URL})`,
    )
    .option(
      '--token <token>',
      'API token (env WEFT_TOKEN; default: $WEFT_STATE_DIR/auth/admin-token, .weft if unset)',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .showHelpAfterError()
    .enablePositionalOptions(false)
    .addHelpText(
      'after',
      `
Examples:
  $ weft check                       # is the mesh healthy?
  $ weft stat -n demo --window 5m    # golden metrics per workload
  $ weft mesh web -n demo            # add the proxy, follow the rollout
  $ weft apply -f route.yaml         # change traffic policy
  $ weft tap web -n demo             # watch live requests
  $ weft identity rotate --anchor    # rotate the trust anchor, proxy by proxy
  $ weft dashboard --open            # log in to the dashboard`,
    );
  registerCheck(program);
  registerStat(program);
  registerEdges(program);
  registerPolicy(program);
  registerMesh(program);
  registerTap(program);
  registerTop(program);
  registerIdentity(program);
  registerDashboard(program);
  registerInstall(program);
  registerInject(program);
  registerVersion(program);
  registerCompletion(program);
  return program;
}
