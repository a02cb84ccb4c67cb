/**
 * A parser for the Prometheus text exposition format (version 0.0.4), the format every
 * proxy's admin `/metrics` serves. Small on purpose: sample lines, `# HELP`/`# TYPE`
 * comments, escaped label values, `+Inf`/`-Inf`/`NaN`, optional timestamps. A malformed
 * line fails the whole parse with a `MeshError` naming the line, as Prometheus fails a
 * scrape, so a half-read scrape never reaches the store. Lines of names the caller skips
 * are checked only up to their name, which keeps a scrape cheap.
 */
import { ErrorCode, MeshError } from '@weft/shared';

/** One sample line. */
export interface ExpositionSample {
  /** Metric name, with its `_bucket`/`_sum`/`_count` suffix when it has one. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** The series' identity as written (`name{labels}`): stable across scrapes of one process. */
  key: string;
}

/** Which metric names to keep; the rest are skipped before their labels are parsed. */
export type NameFilter = (name: string) => boolean;

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

/**
 * Parses exposition text into samples (those whose name passes `accept`). Throws
 * `WEFT_INVALID_INPUT` naming the first malformed line.
 */
export function parseExposition(text: string, accept: NameFilter = () => true): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */) continue;
    const sample = parseLine(line, lineNo, accept);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}

function fail(lineNo: number, what: string, line: string): never {
  const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  throw new MeshError(ErrorCode.invalidInput, `metrics line ${lineNo}: ${what}: ${shown}`);
}

function parseLine(line: string, lineNo: number, accept: NameFilter): ExpositionSample | undefined {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  const nameStart = i;
  if (i >= line.length || !NAME_START.test(line[i] ?? '')) fail(lineNo, 'expected a metric name', line);
  while (i < line.length && NAME_CHAR.test(line[i] ?? '')) i++;
  const name = line.slice(nameStart, i);
  if (!accept(name)) return undefined;

  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i = parseLabels(line, i + 1, labels, lineNo);
  }
  const key = line.slice(nameStart, i);
  const rest = line.slice(i).trim();
  if (rest.length === 0) fail(lineNo, 'missing value', line);
  const parts = rest.split(/[ \t]+/);
  if (parts.length > 2) fail(lineNo, 'unexpected text after the value', line);
  const value = parseValue(parts[0] ?? '');
  if (value === undefined) fail(lineNo, `bad value "${parts[0]}"`, line);
  if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail(lineNo, `bad timestamp "${parts[1]}"`, line);
  return { name, labels, value, key };
}

/** Parses `a="x",b="y"}` from `i`; returns the index after `}`. */
function parseLabels(line: string, start: number, labels: Record<string, string>, lineNo: number): number {
  let i = start;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return i + 1;
    const ls = i;
    if (!NAME_START.test(line[i] ?? '')) fail(lineNo, 'expected a label name', line);
    while (i < line.length && NAME_CHAR.test(line[i] ?? '')) i++;
    const label = line.slice(ls, i);
    while (line[i] === ' ') i++;
    if (line[i] !== '=') fail(lineNo, `expected "=" after label ${label}`, line);
    i++;
    while (line[i] === ' ') i++;
    if (line[i] !== '"') fail(lineNo, `expected a quoted value for label ${label}`, line);
    i++;
    let value = '';
    let closed = false;
    while (i < line.length) {
      const c = line[i];
      if (c === '\\') {
        const n = line[i + 1];
        value += n === 'n' ? '\n' : n === '\\' ? '\\' : n === '"' ? '"' : `\\${n ?? ''}`;
        i += 2;
      } else if (c === '"') {
        closed = true;
        i++;
        break;
      } else {
        value += c;
        i++;
      }
    }
    if (!closed) fail(lineNo, `unterminated value for label ${label}`, line);
    if (label in labels) fail(lineNo, `label ${label} given twice`, line);
    labels[label] = value;
    while (line[i] === ' ') i++;
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (line[i] === '}') return i + 1;
    fail(lineNo, 'expected "," or "}" after a label', line);
  }
}

function parseValue(s: string): number | undefined {
  switch (s) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Parses an `le` label value (`+Inf`, `0.5`, `10`) into a number; NaN when malformed. */
export function parseLe(s: string): number {
  const v = parseValue(s);
  return v === undefined ? Number.NaN : v;
}
