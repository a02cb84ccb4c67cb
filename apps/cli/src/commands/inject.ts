/**
 * `weft inject -f FILE|-`: YAML in, YAML out, with the proxy added to every pod template
 * exactly as the Kubernetes webhook would add it (see `inject-manifests.ts`). What was
 * injected or skipped goes to stderr, so the output pipes into `kubectl apply -f -`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { injectManifests } from '../inject-manifests.ts';
import { emitManifests } from '../output.ts';

/** The images and controller URL the webhook uses by default (the install's). */
export const DEFAULT_INJECTION = {
  proxyImage: 'ghcr.io/weft/proxy:0.1.0',
  initImage: 'ghcr.io/weft/init:0.1.0',
  controllerUrl: 'http://weft-controller.weft.svc:7090',
};

function read(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new CliError(`inject: cannot read ${file === '-' ? 'stdin' : file}: ${(err as Error).message}`, 2);
  }
}

export function registerInject(program: Command): void {
  program
    .command('inject')
    .description("add the proxy to the pods of Kubernetes manifests, as the mesh's webhook does")
    .requiredOption('-f, --filename <file>', 'the manifests, YAML (- for stdin)')
    .option('--proxy-image <image>', 'the proxy image', DEFAULT_INJECTION.proxyImage)
    .option('--init-image <image>', 'the init image (sh and iptables)', DEFAULT_INJECTION.initImage)
    .option('--controller-url <url>', 'where proxies reach the controller', DEFAULT_INJECTION.controllerUrl)
    .addHelpText(
      'after',
      `
Every Pod, and the pod template of every Deployment, StatefulSet, DaemonSet, ReplicaSet,
Job and CronJob, gets the weft-init and weft-proxy containers; other documents pass
through. A pod template with weft.dev/inject: disabled is left alone.

Examples:
  $ weft inject -f app.yaml | kubectl apply -f -
  $ kubectl get deploy web -o yaml | weft inject -f -
  $ weft inject -f app.yaml -o json`,
    )
    .action(
      action(
        async (
          { format },
          opts: { filename: string; proxyImage: string; initImage: string; controllerUrl: string },
        ) => {
          const text = read(opts.filename);
          const { yaml, report } = injectManifests(
            text,
            { proxyImage: opts.proxyImage, initImage: opts.initImage, controllerUrl: opts.controllerUrl },
            opts.filename === '-' ? 'stdin' : opts.filename,
          );
          for (const line of report) process.stderr.write(`${line}\n`);
          emitManifests(format, yaml);
        },
      ),
    );
}
