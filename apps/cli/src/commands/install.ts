/**
 * `weft install`: the Kubernetes install manifests (namespace, RBAC, policy CRDs, webhook
 * TLS Secret, controller, webhook configuration, dashboard) for `kubectl apply -f -`. It
 * runs the controller's manifest printer (`npm run manifests`) as its own process, from
 * this checkout, so the CLI holds no copy of the manifests.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NamespaceName } from '@weft/shared';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { emitManifests } from '../output.ts';

const PRINTER = fileURLToPath(new URL('../../../controller/src/install/print-manifests.ts', import.meta.url));
/** The printer signs a webhook certificate; under load that can take seconds, never this long. */
const TIMEOUT_MS = 60_000;
/** The manifests are tens of kilobytes; anything past this is not them. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

function printManifests(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PRINTER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.length > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
    });
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-4000);
    });
    child.once('error', (e) =>
      reject(new CliError(`install: cannot run the manifest printer: ${e.message}`)),
    );
    child.once('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new CliError(
              err.trim().replace(/^manifests: /, 'install: ') ||
                `install: the manifest printer exited ${code}`,
            ),
          ),
    );
  });
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('print the Kubernetes install manifests, for kubectl apply -f -')
    .option('--namespace <namespace>', 'the control plane namespace (default weft)')
    .option('--version <version>', 'the image tag')
    .option('--registry <registry>', 'the image registry (default ghcr.io/weft)')
    .addHelpText(
      'after',
      `
Each run makes a new webhook certificate (its Secret and the webhook's caBundle agree).

Examples:
  $ weft install | kubectl apply -f -
  $ weft install --namespace mesh --registry registry.example.com/weft -o json`,
    )
    .action(
      action(async ({ format }, opts: { namespace?: string; version?: string; registry?: string }) => {
        if (opts.namespace !== undefined) {
          const ns = NamespaceName.safeParse(opts.namespace);
          if (!ns.success)
            throw new CliError(`install: --namespace "${opts.namespace}": ${ns.error.issues[0]?.message}`, 2);
        }
        const args = Object.entries(opts).flatMap(([k, v]) => (typeof v === 'string' ? [`--${k}`, v] : []));
        const yaml = await printManifests(args);
        emitManifests(format, yaml);
      }),
    );
}
