/**
 * `weft mesh` and `weft unmesh`: start the rollout, then follow it live (the
 * `workloads.rollout` subscription) until every replica is updated and ready, it fails,
 * or the timeout passes. A spinner on a terminal; one line per change otherwise.
 */

import type { RolloutProgress } from '@weft/shared';
import type { Command } from 'commander';
import ora from 'ora';
import type { Api } from '../client.ts';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { colourOn, emit } from '../output.ts';

function describe(p: RolloutProgress): string {
  return `${p.workload.namespace}/${p.workload.name}: ${p.updated}/${p.total} updated, ${p.ready}/${p.total} ready${p.message ? ` (${p.message})` : ''}`;
}

/** Resolves with the last progress once the rollout is no longer progressing; rejects on timeout. */
function follow(
  api: Api,
  first: RolloutProgress,
  timeoutMs: number,
  onProgress: (p: RolloutProgress) => void,
): Promise<RolloutProgress> {
  if (first.state !== 'progressing') return Promise.resolve(first);
  return new Promise((resolve, reject) => {
    let last = first;
    const sub = api.workloads.rollout.subscribe(first.workload, {
      onData: (event) => {
        const changed = JSON.stringify(event.data) !== JSON.stringify(last);
        last = event.data;
        if (changed) onProgress(last);
        if (last.state !== 'progressing') finish(() => resolve(last));
      },
      onError: (err) => finish(() => reject(err)),
    });
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new CliError(`timed out after ${timeoutMs / 1000} s; the rollout goes on: ${describe(last)}`),
          ),
        ),
      timeoutMs,
    );
    function finish(then: () => void) {
      clearTimeout(timer);
      sub.unsubscribe();
      then();
    }
  });
}

function register(program: Command, verb: 'mesh' | 'unmesh'): void {
  const what = verb === 'mesh' ? 'add the proxy to' : 'remove the proxy from';
  program
    .command(verb)
    .description(`${what} a workload's pods, and follow the rollout`)
    .argument('<workload>', 'the workload (Deployment) name')
    .option('-n, --namespace <namespace>', 'its namespace', 'default')
    .option('--timeout <seconds>', 'how long to follow the rollout', '120')
    .option('--no-wait', 'start the rollout and return')
    .addHelpText(
      'after',
      `
Examples:
  $ weft ${verb} web -n demo
  $ weft ${verb} inventory -n demo --timeout 300
  $ weft ${verb} web -n demo --no-wait -o json`,
    )
    .action(
      action(
        async (
          { api, format },
          name: string,
          opts: { namespace: string; timeout: string; wait: boolean },
        ) => {
          const timeoutMs = Number(opts.timeout) * 1000;
          if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
            throw new CliError(`--timeout: "${opts.timeout}" must be a positive number of seconds`, 2);
          const ref = { namespace: opts.namespace, name };
          const started = await (verb === 'mesh'
            ? api.workloads.mesh.mutate(ref)
            : api.workloads.unmesh.mutate(ref));
          const human = format === 'table';
          if (!opts.wait) {
            emit(format, started, () => describe(started));
            return;
          }
          const spinner = human && colourOn ? ora(describe(started)).start() : undefined;
          if (human && !spinner) process.stdout.write(`${describe(started)}\n`);
          let done: RolloutProgress;
          try {
            done = await follow(api, started, timeoutMs, (p) => {
              if (spinner) spinner.text = describe(p);
              else if (human) process.stdout.write(`${describe(p)}\n`);
            });
          } catch (err) {
            spinner?.fail();
            throw err;
          }
          if (spinner) {
            if (done.state === 'complete') spinner.succeed(describe(done));
            else spinner.fail(describe(done));
          }
          emit(format, done, () => (spinner ? '' : `${verb} ${done.state}`));
          if (done.state === 'failed') throw new CliError(`${verb} failed: ${describe(done)}`);
        },
      ),
    );
}

export function registerMesh(program: Command): void {
  register(program, 'mesh');
  register(program, 'unmesh');
}
