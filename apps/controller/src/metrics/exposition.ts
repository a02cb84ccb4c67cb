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

/**
 * Series keys the caller already knows (validated in an earlier scrape): their labels
 * are not parsed again, and their samples carry `NO_LABELS`.
 */
export type KnownKeys = (key: string) => boolean;

/** The labels of a sample whose key was known. */
export const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** `[a-zA-Z_:]` */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}

/** `[a-zA-Z0-9_:]` */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

const SPACE = 32;
const TAB = 9;

/**
 * Parses exposition text into samples (those whose name passes `accept`). Throws
 * `WEFT_INVALID_INPUT` naming the first malformed line.
 */
export function parseExposition(
  text: string,
  accept: NameFilter = () => true,
  known?: KnownKeys,
): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lineNo++;
    const start = pos;
    pos = end + 1;
    const first = text.charCodeAt(start);
    if (start === end || first === 35 /* # */) continue;
    if (text.charCodeAt(end - 1) === 13) end--;
    // Fast path, on the text itself: a skipped name, or a series already known.
    if (isNameStart(first)) {
      let i = start + 1;
      while (i < end && isNameChar(text.charCodeAt(i))) i++;
      const name = text.slice(start, i);
      if (!accept(name)) continue;
      if (known !== undefined) {
        const sample = knownSample(text, name, start, i, end, known);
        if (sample !== undefined) {
          out.push(sample);
          continue;
        }
      }
    }
    const sample = parseLine(text.slice(start, end), lineNo, accept, known);
    if (sample !== undefined) out.push(sample);
  }
  return out;
}

/** The sample of a line whose series `known` has seen, or undefined (then the line is fully parsed). */
function knownSample(
  text: string,
  name: string,
  start: number,
  nameEnd: number,
  end: number,
  known: KnownKeys,
): ExpositionSample | undefined {
  let keyEnd = nameEnd;
  if (text.charCodeAt(nameEnd) === 123 /* { */) {
    const close = text.lastIndexOf('}', end);
    if (close <= nameEnd) return undefined;
    keyEnd = close + 1;
  }
  const key = keyEnd === nameEnd ? name : text.slice(start, keyEnd);
  if (!known(key)) return undefined;
  let a = keyEnd;
  while (a < end && (text.charCodeAt(a) === SPACE || text.charCodeAt(a) === TAB)) a++;
  let b = a;
  while (b < end && text.charCodeAt(b) !== SPACE && text.charCodeAt(b) !== TAB) b++;
  const value = parseValue(text.slice(a, b));
  if (value === undefined || a === keyEnd) return undefined; // let the full parse name the error
  let c = b;
  while (c < end && (text.charCodeAt(c) === SPACE || text.charCodeAt(c) === TAB)) c++;
  if (c < end) {
    // A timestamp: digits only, and nothing after it.
    let d = c;
    if (text.charCodeAt(d) === 45 /* - */) d++;
    while (d < end && text.charCodeAt(d) >= 48 && text.charCodeAt(d) <= 57) d++;
    if (d !== end || d === c) return undefined;
  }
  return { name, labels: NO_LABELS as Record<string, string>, value, key };
}

function fail(lineNo: number, what: string, line: string): never {
  const shown = line.length > 120 ? `${line.slice(0, 120)}…` : line;
  throw new MeshError(ErrorCode.invalidInput, `metrics line ${lineNo}: ${what}: ${shown}`);
}

function parseLine(
  line: string,
  lineNo: number,
  accept: NameFilter,
  known: KnownKeys | undefined,
): ExpositionSample | undefined {
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) i++;
  const nameStart = i;
  if (i >= line.length || !isNameStart(line.charCodeAt(i))) fail(lineNo, 'expected a metric name', line);
  while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
  const name = line.slice(nameStart, i);
  if (!accept(name)) return undefined;

  let labels: Record<string, string> = {};
  if (line.charCodeAt(i) === 123 /* { */) {
    // Nothing after the label block (a number, a timestamp) can hold a "}".
    const close = line.lastIndexOf('}');
    if (known !== undefined && close > i && known(line.slice(nameStart, close + 1))) {
      labels = NO_LABELS as Record<string, string>;
      i = close + 1;
    } else i = parseLabels(line, i + 1, labels, lineNo);
  } else if (known?.(name)) labels = NO_LABELS as Record<string, string>;
  const key = line.slice(nameStart, i);
  const rest = line.slice(i).trim();
  if (rest.length === 0) fail(lineNo, 'missing value', line);
  const sp = rest.search(/[ \t]/);
  const valueText = sp < 0 ? rest : rest.slice(0, sp);
  const value = parseValue(valueText);
  if (value === undefined) fail(lineNo, `bad value "${valueText}"`, line);
  if (sp >= 0) {
    const ts = rest.slice(sp).trim();
    if (!/^-?\d+$/.test(ts)) {
      fail(lineNo, /\s/.test(ts) ? 'unexpected text after the value' : `bad timestamp "${ts}"`, line);
    }
  }
  return { name, labels, value, key };
}

/** Parses `a="x",b="y"}` from `i`; returns the index after `}`. */
function parseLabels(line: string, start: number, labels: Record<string, string>, lineNo: number): number {
  let i = start;
  for (;;) {
    while (line.charCodeAt(i) === SPACE) i++;
    if (line.charCodeAt(i) === 125 /* } */) return i + 1;
    const ls = i;
    if (!isNameStart(line.charCodeAt(i))) fail(lineNo, 'expected a label name', line);
    while (i < line.length && isNameChar(line.charCodeAt(i))) i++;
    const label = line.slice(ls, i);
    while (line.charCodeAt(i) === SPACE) i++;
    if (line.charCodeAt(i) !== 61 /* = */) fail(lineNo, `expected "=" after label ${label}`, line);
    i++;
    while (line.charCodeAt(i) === SPACE) i++;
    if (line.charCodeAt(i) !== 34 /* " */) fail(lineNo, `expected a quoted value for label ${label}`, line);
    i++;
    const close = line.indexOf('"', i);
    const slash = line.indexOf('\\', i);
    let value: string;
    if (close >= 0 && (slash < 0 || slash > close)) {
      value = line.slice(i, close);
      i = close + 1;
    } else {
      [value, i] = escapedValue(line, i, label, lineNo);
    }
    if (label in labels) fail(lineNo, `label ${label} given twice`, line);
    labels[label] = value;
    while (line.charCodeAt(i) === SPACE) i++;
    const c = line.charCodeAt(i);
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    if (c === 125 /* } */) return i + 1;
    fail(lineNo, 'expected "," or "}" after a label', line);
  }
}

/** Reads a label value with escapes from `i` (after the opening quote); returns it and the index after the closing quote. */
function escapedValue(line: string, start: number, label: string, lineNo: number): [string, number] {
  let i = start;
  let value = '';
  while (i < line.length) {
    const c = line[i];
    if (c === '\\') {
      const n = line[i + 1];
      value += n === 'n' ? '\n' : n === '\\' ? '\\' : n === '"' ? '"' : `\\${n ?? ''}`;
      i += 2;
    } else if (c === '"') {
      return [value, i + 1];
    } else {
      value += c;
      i++;
    }
  }
  fail(lineNo, `unterminated value for label ${label}`, line);
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
