/**
 * Traffic policy: `apply -f`, `diff -f`, `delete -f`, `history`, `rollback` and `routes`,
 * on the controller's `policies.*` API (all-or-nothing applies, numbered revisions).
 */

import {
  describePolicyIssue,
  describePolicyRef,
  type PolicyApplyResult,
  type PolicyDiffEntry,
} from '@weft/shared';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { colours, emit, table } from '../output.ts';
import { policyRefsOf, readPolicyFile } from '../policy-files.ts';

function diffLine(d: PolicyDiffEntry): string {
  const name = describePolicyRef(d.ref);
  if (d.change === 'added') return colours.green(`+ ${name}`);
  if (d.change === 'removed') return colours.red(`- ${name}`);
  return colours.yellow(`~ ${name}${d.fields.length ? ` (${d.fields.join(', ')})` : ''}`);
}

function conditionsOf(r: PolicyApplyResult): string[] {
  return r.statuses.map((s) => {
    const failed = s.conditions.filter((c) => c.status === 'False');
    return `${describePolicyRef(s.ref)}: ${failed.length ? failed.map((c) => `${c.type}=False (${c.reason}: ${c.message})`).join('; ') : 'accepted'}`;
  });
}

function registerApply(program: Command): void {
  program
    .command('apply')
    .description('apply policy documents (HTTPRoute, GRPCRoute, rate limits, faults) as one new revision')
    .requiredOption('-f, --filename <file>', 'YAML file of one or more documents (- for standard input)')
    .option('--dry-run', 'validate and show what would change, storing nothing')
    .addHelpText(
      'after',
      `
Examples:
  $ weft apply -f examples/policy/canary.yaml
  $ cat route.yaml | weft apply -f -
  $ weft apply -f route.yaml --dry-run -o json`,
    )
    .action(
      action(async ({ api, format }, opts: { filename: string; dryRun?: boolean }) => {
        const yaml = readPolicyFile(opts.filename);
        const result = await api.policies.applyYaml.mutate({ yaml, dryRun: Boolean(opts.dryRun) });
        emit(format, result, () =>
          [
            result.dryRun
              ? `dry run: would create revision ${result.revision}${result.valid ? '' : ' (invalid)'}`
              : `revision ${result.revision} applied`,
            ...result.diff.map(diffLine),
            ...conditionsOf(result),
            ...result.errors.map((e) => colours.red(describePolicyIssue(e))),
          ].join('\n'),
        );
        if (!result.valid)
          throw new CliError(`${opts.filename}: ${result.errors.length} problems; nothing applied`);
      }),
    );
}

function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what applying a file would change (exit 1 when it would change something)')
    .requiredOption('-f, --filename <file>', 'YAML file of one or more documents (- for standard input)')
    .addHelpText(
      'after',
      `
Exit status: 0 when nothing would change, 1 when something would (or on an error).

Examples:
  $ weft diff -f route.yaml
  $ weft diff -f route.yaml -o yaml`,
    )
    .action(
      action(async ({ api, format }, opts: { filename: string }) => {
        const yaml = readPolicyFile(opts.filename);
        const result = await api.policies.applyYaml.mutate({ yaml, dryRun: true });
        emit(format, { valid: result.valid, errors: result.errors, diff: result.diff }, () =>
          [
            ...(result.diff.length ? result.diff.map(diffLine) : ['no changes']),
            ...result.errors.map((e) => colours.red(describePolicyIssue(e))),
          ].join('\n'),
        );
        if (!result.valid) throw new CliError(`${opts.filename}: ${result.errors.length} problems`);
        if (result.diff.length) process.exitCode = 1;
      }),
    );
}

function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete the policy documents a file names (one revision each)')
    .requiredOption('-f, --filename <file>', 'YAML file naming the documents (- for standard input)')
    .addHelpText(
      'after',
      `
Examples:
  $ weft delete -f route.yaml`,
    )
    .action(
      action(async ({ api, format }, opts: { filename: string }) => {
        const refs = policyRefsOf(readPolicyFile(opts.filename), opts.filename);
        const results: PolicyApplyResult[] = [];
        for (const ref of refs) results.push(await api.policies.delete.mutate(ref));
        emit(format, results, () =>
          refs
            .map((ref, i) => `${describePolicyRef(ref)} deleted (revision ${results[i]?.revision})`)
            .join('\n'),
        );
      }),
    );
}

function registerHistory(program: Command): void {
  program
    .command('history')
    .description('the policy revisions, newest last')
    .addHelpText('after', '\nExamples:\n  $ weft history\n  $ weft history -o json')
    .action(
      action(async ({ api, format }) => {
        const revisions = await api.policies.revisions.query();
        emit(format, revisions, () =>
          table(
            ['REVISION', 'AT', 'AUTHOR', 'ACTION', 'DOCUMENTS', 'SUMMARY'],
            revisions.map((r) => [r.revision, r.at, r.author, r.action, r.documents, r.summary]),
          ),
        );
      }),
    );
}

function registerRollback(program: Command): void {
  program
    .command('rollback')
    .description('make an earlier revision live again (as a new revision)')
    .argument('<revision>', 'the revision to return to (see `weft history`)')
    .addHelpText('after', '\nExamples:\n  $ weft rollback 3')
    .action(
      action(async ({ api, format }, revision: string) => {
        if (!/^\d+$/.test(revision))
          throw new CliError(`revision: "${revision}" must be a revision number`, 2);
        const result = await api.policies.rollback.mutate({ revision: Number(revision) });
        emit(format, result, () =>
          [`rolled back to ${revision} as revision ${result.revision}`, ...result.diff.map(diffLine)].join(
            '\n',
          ),
        );
      }),
    );
}

function registerRoutes(program: Command): void {
  program
    .command('routes')
    .description('the HTTP and gRPC routes in force, with their parents and status')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all)')
    .addHelpText('after', '\nExamples:\n  $ weft routes\n  $ weft routes -n demo -o yaml')
    .action(
      action(async ({ api, format }, opts: { namespace?: string }) => {
        const items = await api.policies.list.query({ namespace: opts.namespace });
        const routes = items.flatMap(({ document: d, status }) =>
          d.kind === 'HTTPRoute' || d.kind === 'GRPCRoute' ? [{ document: d, status }] : [],
        );
        emit(format, routes, () =>
          table(
            ['NAMESPACE', 'KIND', 'NAME', 'PARENTS', 'RULES', 'STATUS'],
            routes.map(({ document: d, status }) => {
              const failed = status.conditions.filter((c) => c.status === 'False');
              return [
                d.metadata.namespace,
                d.kind,
                d.metadata.name,
                d.spec.parentRefs.map((p) => (p.port ? `${p.name}:${p.port}` : p.name)).join(','),
                d.spec.rules?.length ?? 0,
                failed.length
                  ? colours.red(failed.map((c) => c.reason).join(','))
                  : colours.green('Accepted'),
              ];
            }),
          ),
        );
      }),
    );
}

export function registerPolicy(program: Command): void {
  registerApply(program);
  registerDiff(program);
  registerDelete(program);
  registerHistory(program);
  registerRollback(program);
  registerRoutes(program);
}
