/**
 * What commands print: `-o json` and `-o yaml` print the data as it is; the default prints
 * aligned tables. Colour only when stdout is a terminal (and NO_COLOR is unset).
 */
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { parseAllDocuments, stringify } from 'yaml';
import { CliError } from './errors.ts';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export function parseOutputFormat(raw: string | undefined): OutputFormat {
  const f = raw ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(f))
    throw new CliError(`-o: "${f}" is not an output format; use one of ${OUTPUT_FORMATS.join(', ')}`, 2);
  return f as OutputFormat;
}

/** Whether stdout takes colour. */
export const colourOn = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const colours = createColors(colourOn);

/** An aligned table with a header row, without borders (like kubectl). */
export function table(head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head: head.map((h) => colours.bold(h)),
    chars: {
      top: '',
      'top-mid': '',
      'top-left': '',
      'top-right': '',
      bottom: '',
      'bottom-mid': '',
      'bottom-left': '',
      'bottom-right': '',
      left: '',
      'left-mid': '',
      mid: '',
      'mid-mid': '',
      right: '',
      'right-mid': '',
      middle: '  ',
    },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  for (const r of rows) t.push(r.map(String));
  return t
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** Prints `data` as JSON or YAML, or the human form `human()` builds. */
export function emit(format: OutputFormat, data: unknown, human: () => string): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (format === 'yaml') process.stdout.write(stringify(data));
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/**
 * Prints a multi-document manifest: as it is for the human form (ready for
 * `kubectl apply -f -`), else its documents as a JSON or YAML list.
 */
export function emitManifests(format: OutputFormat, yaml: string): void {
  if (format === 'table') process.stdout.write(yaml);
  else
    emit(
      format,
      parseAllDocuments(yaml).map((d) => d.toJS()),
      () => yaml,
    );
}

/** `99.50%`, or `-` without requests. */
export function percent(v: number | null): string {
  return v === null ? '-' : `${(v * 100).toFixed(2)}%`;
}

/** `12ms`, or `-`. */
export function millis(v: number | null): string {
  return v === null ? '-' : `${v < 10 ? v.toFixed(1) : Math.round(v)}ms`;
}

/** `3.2rps`. */
export function rate(v: number): string {
  return `${v.toFixed(1)}rps`;
}
