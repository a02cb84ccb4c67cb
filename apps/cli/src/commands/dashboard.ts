/**
 * `weft dashboard`: prints the dashboard's URL with a one-time login link (minted with
 * `auth.createLoginLink`, which needs the admin role), and opens it with `--open`.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { action } from '../context.ts';
import { CliError, describeError } from '../errors.ts';
import { emit } from '../output.ts';

function dashboardUrl(given: string | undefined): string {
  const raw =
    given ?? process.env.WEFT_DASHBOARD_URL ?? `http://127.0.0.1:${process.env.WEFT_WEB_PORT ?? '50750'}`;
  try {
    return new URL(raw).toString().replace(/\/+$/, '');
  } catch {
    throw new CliError(`--url: "${raw}" is not a URL`, 2);
  }
}

function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`weft: could not run ${opener}; open the URL yourself\n`));
  child.unref();
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('print the dashboard URL with a one-time login link (and open it with --open)')
    .option(
      '--url <url>',
      'the dashboard (default: WEFT_DASHBOARD_URL, else http://127.0.0.1:$WEFT_WEB_PORT or :50750)',
    )
    .option('--role <role>', 'the role the link logs in as: admin or viewer', 'admin')
    .option('--open', 'open it in the default browser')
    .addHelpText(
      'after',
      `
The link works once and expires in minutes. Without the admin role (or with auth off)
the plain URL is printed, and the dashboard asks for a login.

Examples:
  $ weft dashboard
  $ weft dashboard --role viewer --open`,
    )
    .action(
      action(async ({ api, format, conn }, opts: { url?: string; role: string; open?: boolean }) => {
        if (opts.role !== 'admin' && opts.role !== 'viewer')
          throw new CliError(`--role: "${opts.role}" must be admin or viewer`, 2);
        const base = dashboardUrl(opts.url);
        let loginUrl: string | null = null;
        let expiresAt: string | null = null;
        let note: string | null = null;
        try {
          const link = await api.auth.createLoginLink.mutate({ role: opts.role });
          loginUrl = `${base}/login/link?code=${encodeURIComponent(link.code)}`;
          expiresAt = link.expiresAt;
        } catch (err) {
          note = `no login link: ${describeError(err, conn.url)}`;
        }
        const url = loginUrl ?? base;
        emit(format, { url: base, loginUrl, expiresAt }, () =>
          [
            loginUrl ? `${loginUrl}\n(one-time login link, valid until ${expiresAt})` : base,
            ...(note ? [note] : []),
          ].join('\n'),
        );
        if (opts.open) openInBrowser(url);
      }),
    );
}
