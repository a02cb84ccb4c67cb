/**
 * The shared fixed-rate generator (`olg`, see tools.ts) with a per-request log: when
 * `OLG_LOG` names a file, it writes one line per measured request, `SCHEDULED_NS SENT_NS
 * ANSWERED_NS CONNECTION` (CLOCK_MONOTONIC), for tail analysis (`bench/proxy/tail.ts`).
 * Built from the shared source with a few insertions (the source lives outside this
 * repository); null, with a line saying why, when that source no longer matches.
 */
import { readFileSync } from 'node:fs';
import { buildOlg, olgSource } from './tools.ts';

/** [what the shared source says, what the logging build says instead]. */
const EDITS: readonly [string, string][] = [
  [
    'static int64_t *lat_c, *lat_s;',
    'static int64_t *lat_c, *lat_s, *log_i, *log_s, *log_d; static int *log_c;',
  ],
  [
    'lat_c = malloc(cap * 8); lat_s = malloc(cap * 8);',
    'lat_c = malloc(cap * 8); lat_s = malloc(cap * 8); log_i = malloc(cap * 8); log_s = malloc(cap * 8); ' +
      'log_d = malloc(cap * 8); log_c = malloc(cap * sizeof(int));',
  ],
  [
    'lat_c[nlat] = done - c->intended;',
    'log_i[nlat] = c->intended; log_s[nlat] = c->sent; log_d[nlat] = done; log_c[nlat] = i; ' +
      'lat_c[nlat] = done - c->intended;',
  ],
  [
    '  int64_t end = now_ns();\n',
    '  int64_t end = now_ns();\n  { const char *lf = getenv("OLG_LOG"); if (lf) { FILE *f = fopen(lf, "w"); ' +
      'if (f) { for (long j = 0; j < nlat; j++) fprintf(f, "%lld %lld %lld %d\\n", (long long)log_i[j], ' +
      '(long long)log_s[j], (long long)log_d[j], log_c[j]); fclose(f); } } }\n',
  ],
];

/** Compiles the logging generator into a temporary directory; null when it cannot. */
export function buildOlgWithLog(repoRoot: string, log: (line: string) => void): string | null {
  if (olgSource(repoRoot) === null) {
    log('olg.c not found beside the checkout');
    return null;
  }
  return buildOlg(repoRoot, log, (source, text) => {
    let out = text;
    for (const [from, to] of EDITS) {
      if (!out.includes(from)) {
        log(`${source} changed: cannot add the per-request log (no "${from.trim().slice(0, 40)}")`);
        return null;
      }
      out = out.replace(from, to);
    }
    return out;
  });
}

/** One measured request, CLOCK_MONOTONIC ns. */
export interface LoggedRequest {
  scheduled: number;
  sent: number;
  answered: number;
  conn: number;
}

/** Reads a per-request log written by the logging generator. */
export function readRequestLog(file: string): LoggedRequest[] {
  const out: LoggedRequest[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [a, b, c, d] = line.split(' ').map(Number);
    if (a === undefined || b === undefined || c === undefined || d === undefined || Number.isNaN(d)) continue;
    out.push({ scheduled: a, sent: b, answered: c, conn: d });
  }
  return out;
}
