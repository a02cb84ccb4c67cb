/**
 * `weft check`: the controller's health checks (`health.checks`, the words the dashboard's
 * Health page shows), plus one the CLI makes itself: that the controller answers at all.
 * Exits 1 on any failure, and on any warning with `--strict`.
 */

import { type HealthCheck, type HealthReport, worstStatus } from '@weft/shared';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { describeError } from '../errors.ts';
import { colours, emit } from '../output.ts';

const MARK = { ok: colours.green('√'), warning: colours.yellow('‼'), failure: colours.red('×') } as const;

function unreachableReport(detail: string): HealthReport {
  const checks: HealthCheck[] = [
    {
      id: 'control-plane.reachable',
      category: 'control plane',
      title: 'the controller API answers',
      status: 'failure',
      detail,
      fix: 'start the controller (`npm start`), or point --controller / WEFT_CONTROLLER_URL at it; with auth on, pass --token or set WEFT_STATE_DIR to its state directory',
    },
  ];
  return { checkedAt: new Date().toISOString(), checks, status: worstStatus(checks) };
}

/** The report as lines grouped by category, each check with what it found and its fix. */
export function renderReport(report: HealthReport): string {
  const lines: string[] = [];
  let category = '';
  for (const c of report.checks) {
    if (c.category !== category) {
      if (category) lines.push('');
      category = c.category;
      lines.push(colours.bold(category), '-'.repeat(category.length));
    }
    lines.push(`${MARK[c.status]} ${c.title}`);
    if (c.status !== 'ok') {
      lines.push(`    ${c.detail}`);
      if (c.fix) lines.push(`    ${colours.dim('fix:')} ${c.fix}`);
    }
  }
  const failures = report.checks.filter((c) => c.status === 'failure').length;
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  lines.push(
    '',
    report.status === 'ok'
      ? `Status check results are ${MARK.ok}`
      : `${failures} failed, ${warnings} with warnings, ${report.checks.length - failures - warnings} passed`,
  );
  return lines.join('\n');
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check the control plane, the CA, every proxy certificate, metrics scraping and policy')
    .option('--strict', 'exit non-zero on warnings too')
    .addHelpText(
      'after',
      `
Exit status: 0 when every check passes (or only warns, without --strict), 1 otherwise.

Examples:
  $ weft check
  $ weft check --strict -o json
  $ weft check --controller http://127.0.0.1:7090 --token "$WEFT_TOKEN"`,
    )
    .action(
      action(async ({ api, conn, format }, opts: { strict?: boolean }) => {
        let report: HealthReport;
        try {
          report = await api.health.checks.query();
        } catch (err) {
          report = unreachableReport(describeError(err, conn.url));
        }
        emit(format, report, () => renderReport(report));
        if (report.status === 'failure' || (opts.strict && report.status === 'warning')) process.exitCode = 1;
      }),
    );
}
