/**
 * Header modifiers (a route's RequestHeaderModifier / ResponseHeaderModifier) applied to
 * an HTTP/1 header block (`name: value\r\n` lines). Runs only for routes that have a
 * modifier. A value carrying CR or LF is dropped rather than written (no header injection).
 */
import type { HeaderModifierView } from '../stack/plan-view.ts';

export function modifyBlock(block: string, mod: HeaderModifierView): string {
  const pairs: string[] = [];
  let pos = 0;
  while (pos < block.length) {
    const eol = block.indexOf('\r\n', pos);
    const end = eol < 0 ? block.length : eol;
    const colon = block.indexOf(':', pos);
    if (colon > pos && colon < end) pairs.push(block.slice(pos, colon), block.slice(colon + 1, end).trim());
    pos = end + 2;
  }
  const out = mod.applyToPairs(pairs);
  let s = '';
  for (let k = 0; k + 1 < out.length; k += 2) {
    const name = out[k] as string;
    const value = out[k + 1] as string;
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) continue;
    s += `${name}: ${value}\r\n`;
  }
  return s;
}
