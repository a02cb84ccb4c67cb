/**
 * A guard against regular expressions that can take exponential time on JavaScript's
 * backtracking engine: a repeated group that itself contains an unbounded repetition
 * (`(a+)+`, `(x*y?)*`, `(\w+\s?){2,}`), the classic catastrophic-backtracking shape.
 * Route regexes run on every request in the proxy, so one such pattern and a crafted
 * path could stall it: the proxy refuses them, and the controller can refuse them first. Repetition counts up to `MAX_BOUNDED_REPEAT` (`(\d{1,3}\.){3}`) are fine.
 */

/** `{n,m}` with m above this counts as unbounded. */
const MAX_BOUNDED_REPEAT = 16;

/** Why `pattern` is unsafe to run per request, or undefined when it is safe. */
export function unsafeRegexReason(pattern: string): string | undefined {
  // One entry per open group: whether it contains an unbounded repetition.
  const groups: boolean[] = [false];
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i];
    if (c === '\\') {
      i += 2;
      i = afterQuantifier(pattern, i, groups);
      continue;
    }
    if (c === '[') {
      i = endOfClass(pattern, i) + 1;
      i = afterQuantifier(pattern, i, groups);
      continue;
    }
    if (c === '(') {
      groups.push(false);
      i++;
      if (pattern[i] === '?') i++; // (?:, (?=, (?!, (?<name>: the `?` is not a quantifier
      continue;
    }
    if (c === ')') {
      const inner = groups.length > 1 ? (groups.pop() as boolean) : false;
      i++;
      const q = quantifierAt(pattern, i);
      if (q.unbounded && inner) {
        return 'a repeated group contains an unbounded repetition (nested quantifiers can take exponential time)';
      }
      if (inner || q.unbounded) groups[groups.length - 1] = true;
      i = q.end;
      continue;
    }
    i++;
    i = afterQuantifier(pattern, i, groups);
  }
  return undefined;
}

/** Skips a quantifier after an atom, marking the current group when it is unbounded. */
function afterQuantifier(pattern: string, i: number, groups: boolean[]): number {
  const q = quantifierAt(pattern, i);
  if (q.unbounded) groups[groups.length - 1] = true;
  return q.end;
}

function quantifierAt(pattern: string, i: number): { unbounded: boolean; end: number } {
  const c = pattern[i];
  if (c === '*' || c === '+') return { unbounded: true, end: skipLazy(pattern, i + 1) };
  if (c === '?') return { unbounded: false, end: skipLazy(pattern, i + 1) };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (m) {
      const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
      return { unbounded: max > MAX_BOUNDED_REPEAT, end: skipLazy(pattern, i + m[0].length) };
    }
  }
  return { unbounded: false, end: i };
}

function skipLazy(pattern: string, i: number): number {
  return pattern[i] === '?' ? i + 1 : i;
}

function endOfClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === ']') i++; // a leading `]` is literal in some dialects; harmless here
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i;
}
