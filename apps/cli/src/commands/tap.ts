/**
 * `weft tap` (live requests, like `linkerd viz tap`) and `weft top` (requests grouped by
 * path, like `linkerd viz top`), both over the controller's `tap.watch` subscription with
 * the same filters as the dashboard's Tap page. `tap` prints one aligned line per request
 * (`-o json`: one JSON event per line); `top` redraws its table on a terminal, or prints
 * it once when `--duration` ends (`-o json`: the rows).
 */
import { type TapEvent, TapFilter, TapTop, type TapTopRow, tapSucceeded } from '@weft/shared';
import { type Command, Option } from 'commander';
import type { Api } from '../client.ts';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { colourOn, colours, emit, table } from '../output.ts';

interface FilterOptions {
  namespace?: string;
  toNamespace?: string;
  to?: string;
  method?: string;
  path?: string;
  authority?: string;
  status?: string;
  maxRps?: string;
}

const FLAG: Record<string, string> = {
  namespace: '-n/--namespace',
  workload: '[workload]',
  toNamespace: '--to-namespace',
  toWorkload: '--to',
  method: '--method',
  pathPrefix: '--path',
  authority: '--authority',
  statusClass: '--status',
  maxRps: '--max-rps',
};

/** The tap filter the options spell, or a usage error naming the bad flag. */
export function filterFromOptions(workload: string | undefined, o: FilterOptions): TapFilter {
  const raw = {
    namespace: o.namespace,
    workload,
    toNamespace: o.toNamespace,
    toWorkload: o.to,
    method: o.method?.toUpperCase(),
    pathPrefix: o.path,
    authority: o.authority,
    statusClass: o.status,
    maxRps: o.maxRps === undefined ? undefined : Number(o.maxRps),
  };
  const parsed = TapFilter.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  throw new CliError(`${FLAG[key] ?? key}: ${issue?.message ?? 'invalid'}`, 2);
}

function addFilterOptions(cmd: Command): Command {
  return cmd
    .argument('[workload]', 'only requests from this workload (its proxies are tapped)')
    .option('-n, --namespace <namespace>', 'only proxies of this namespace (default: every meshed pod)')
    .option('--to-namespace <namespace>', 'only requests to this namespace')
    .option('--to <workload>', 'only requests to this workload')
    .option('--method <method>', 'only this HTTP method')
    .option('--path <prefix>', 'only paths starting with this prefix')
    .option('--authority <authority>', 'only this authority (host)')
    .addOption(
      new Option('--status <class>', 'only this status class').choices(['1xx', '2xx', '3xx', '4xx', '5xx']),
    )
    .option('--max-rps <n>', 'at most this many events a second (1-1000; default 100)');
}

type Item =
  | { kind: 'event'; event: TapEvent }
  | { kind: 'source'; source: string; status: string }
  | { kind: 'dropped'; dropped: number };

/**
 * Streams `tap.watch` into `onEvent` until `stop()` is called, `durationMs` passes, or
 * the subscription fails (rejects). Proxy status changes go to stderr.
 */
function stream(
  api: Api,
  filter: TapFilter,
  durationMs: number,
  onEvent: (e: TapEvent, stop: () => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (err?: unknown): void => {
      clearTimeout(timer);
      sub.unsubscribe();
      process.off('SIGINT', stop);
      if (err === undefined) resolve();
      else reject(err);
    };
    const stop = (): void => finish();
    const sub = api.tap.watch.subscribe(filter, {
      onData(data) {
        const item = data as Item;
        if (item.kind === 'event') onEvent(item.event, stop);
        else if (item.kind === 'source' && item.status !== 'tapping')
          process.stderr.write(`${item.source}: ${item.status}\n`);
        else if (item.kind === 'dropped')
          process.stderr.write(`${item.dropped} events dropped by the rate bound\n`);
      },
      onError: (err) => finish(err),
    });
    if (durationMs > 0) timer = setTimeout(stop, durationMs);
    process.once('SIGINT', stop);
  });
}

function seconds(raw: string | undefined, flag: string): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new CliError(`${flag}: "${raw}" is not a positive number of seconds`, 2);
  return n * 1000;
}

function who(p: { namespace: string | null; workload: string | null }): string {
  return p.workload === null ? '-' : `${p.namespace ?? '?'}/${p.workload}`;
}

function ms(v: number): string {
  return v < 10 ? `${v.toFixed(1)}ms` : `${Math.round(v)}ms`;
}

/** One aligned line of `weft tap`. */
export function tapLine(e: TapEvent): string {
  const status = `${e.status === 0 ? '---' : e.status}${e.grpcStatus === null ? '' : ` grpc=${e.grpcStatus}`}`;
  const coloured = tapSucceeded(e) ? colours.green(status) : colours.red(status);
  const cols = [
    new Date(e.at).toISOString().slice(11, 23),
    e.direction === 'inbound' ? 'in ' : 'out',
    who(e.source).padEnd(24),
    who(e.destination).padEnd(24),
    e.method.padEnd(7),
    coloured + ' '.repeat(Math.max(0, 9 - status.length)),
    ms(e.latencyMs).padStart(8),
    `${e.authority}${e.path}`,
  ];
  const extra: string[] = [];
  if (e.retries > 0) extra.push(`retries=${e.retries}`);
  if (e.proxyError !== null) extra.push(`error=${e.proxyError}`);
  if (e.route !== null) extra.push(`route=${e.route.replaceAll(' ', ':')}`);
  if (e.clientIdentity !== null) extra.push('tls=true');
  return `${cols.join(' ')}${extra.length > 0 ? `  ${extra.join(' ')}` : ''}`;
}

export const TAP_HEADER = `${'TIME'.padEnd(12)} DIR ${'FROM'.padEnd(24)} ${'TO'.padEnd(24)} ${'METHOD'.padEnd(7)} ${'STATUS'.padEnd(9)} ${'LATENCY'.padStart(8)} AUTHORITY/PATH`;

function topTable(rows: TapTopRow[]): string {
  return table(
    ['METHOD', 'PATH', 'COUNT', 'BEST', 'WORST', 'LAST', 'SUCCESS'],
    rows.map((r) => [
      r.method,
      r.path,
      r.count,
      ms(r.bestMs),
      ms(r.worstMs),
      ms(r.lastMs),
      `${((r.successes / r.count) * 100).toFixed(2)}%`,
    ]),
  );
}

export function registerTap(program: Command): void {
  addFilterOptions(
    program
      .command('tap')
      .description('watch live requests through the proxies, with their route, endpoint and outcome'),
  )
    .option('--count <n>', 'stop after this many requests')
    .option('--duration <seconds>', 'stop after this long')
    .addHelpText(
      'after',
      `
Examples:
  $ weft tap web -n demo
  $ weft tap -n demo --path /api --status 5xx
  $ weft tap web -n demo --count 10 -o json`,
    )
    .action(
      action(
        async (
          { api, format },
          workload: string | undefined,
          opts: FilterOptions & { count?: string; duration?: string },
        ) => {
          const filter = filterFromOptions(workload, opts);
          const count = opts.count === undefined ? 0 : Number(opts.count);
          if (!Number.isInteger(count) || count < 0)
            throw new CliError(`--count: "${opts.count}" is not a whole number`, 2);
          const duration = seconds(opts.duration, '--duration');
          if (format === 'table')
            process.stdout.write(`${colourOn ? colours.bold(TAP_HEADER) : TAP_HEADER}\n`);
          let seen = 0;
          await stream(api, filter, duration, (e, stop) => {
            if (format === 'json') process.stdout.write(`${JSON.stringify(e)}\n`);
            else if (format === 'yaml') emit('yaml', [e], () => '');
            else process.stdout.write(`${tapLine(e)}\n`);
            seen++;
            if (count > 0 && seen >= count) stop();
          });
        },
      ),
    );
}

export function registerTop(program: Command): void {
  addFilterOptions(
    program
      .command('top')
      .description('live requests grouped by path: count, best, worst and last latency, success'),
  )
    .option(
      '--duration <seconds>',
      'stop after this long and print the table (needed when not on a terminal)',
    )
    .option('--interval <seconds>', 'redraw the table this often on a terminal', '2')
    .addHelpText(
      'after',
      `
Examples:
  $ weft top web -n demo
  $ weft top -n demo --duration 10 -o json`,
    )
    .action(
      action(
        async (
          { api, format },
          workload: string | undefined,
          opts: FilterOptions & { duration?: string; interval: string },
        ) => {
          const filter = filterFromOptions(workload, opts);
          const duration = seconds(opts.duration, '--duration');
          const interval = seconds(opts.interval, '--interval');
          const live = format === 'table' && Boolean(process.stdout.isTTY);
          if (!live && duration === 0)
            throw new CliError('--duration: needed when the output is not a terminal', 2);
          const top = new TapTop();
          const redraw = live
            ? setInterval(() => process.stdout.write(`\x1b[H\x1b[2J${topTable(top.list())}\n`), interval)
            : undefined;
          try {
            await stream(api, filter, duration, (e) => top.add(e));
          } finally {
            clearInterval(redraw);
          }
          const rows = top.list();
          emit(format, rows, () => (rows.length === 0 ? 'no requests seen' : topTable(rows)));
        },
      ),
    );
}
