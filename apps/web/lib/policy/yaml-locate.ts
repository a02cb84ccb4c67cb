/**
 * Where a controller-reported field lives in the YAML text: field paths as the
 * controller writes them (`spec.rules[1].backendRefs[0].port`,
 * `metadata.annotations["retry.weft.dev/limit"]`) turned into keys, and the text range
 * of that field in one document of a multi-document YAML (or of its nearest present
 * parent), so the editor can put a marker there.
 */
import { isNode, parseAllDocuments } from 'yaml';

/** The keys of a field path: `a.b[2]["c/d"]` → `['a', 'b', 2, 'c/d']`. Undefined for `(document)` or bad text. */
export function pathKeys(path: string): (string | number)[] | undefined {
  const keys: (string | number)[] = [];
  const re = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) keys.push(m[1]);
    else if (m[2] !== undefined) keys.push(Number(m[2]));
    else if (m[3] !== undefined) keys.push(JSON.parse(m[3]) as string);
    at = re.lastIndex;
  }
  return keys.length > 0 ? keys : undefined;
}

/** Which document a problem is about: by kind and name, or by its 1-based position. */
export interface DocumentSelector {
  kind?: string;
  name?: string;
  index?: number;
}

export interface TextRange {
  from: number;
  to: number;
}

/**
 * The text range of `path` in the document `which` of `text`; when the field is absent,
 * the range of its nearest present parent; the whole document when neither is found.
 * Undefined when no document matches.
 */
export function locateField(text: string, which: DocumentSelector, path: string): TextRange | undefined {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const doc =
    which.index !== undefined
      ? list[which.index - 1]
      : list.find((d) => {
          const js = d.errors.length === 0 ? (d.toJS() as unknown) : undefined;
          const o = js as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
          return o?.kind === which.kind && o?.metadata?.name === which.name;
        });
  if (!doc) return undefined;
  const keys = pathKeys(path) ?? [];
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range)
      return { from: node.range[0], to: Math.max(node.range[1], node.range[0]) };
  }
  const range = doc.contents?.range;
  return range ? { from: range[0], to: range[1] } : undefined;
}
