/**
 * Test support for the fake Kubernetes API server: label selectors in their query
 * string form (`a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`) and the
 * field selectors every resource supports (`metadata.name`, `metadata.namespace`).
 */

type Requirement = (labels: Record<string, string>) => boolean;

/** Splits on commas outside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

/** Parses a label selector; throws an Error naming the bad term. */
export function parseLabelSelector(text: string): (labels: Record<string, string>) => boolean {
  const requirements: Requirement[] = terms(text).map((term) => {
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key = '', op, list = ''] = m;
      const values = list.split(',').map((v) => v.trim());
      return op === 'in'
        ? (l) => l[key] !== undefined && values.includes(l[key])
        : (l) => l[key] === undefined || !values.includes(l[key]);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
      const [, key = '', op, value = ''] = m;
      return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
      const [, not, key = ''] = m;
      return not ? (l) => l[key] === undefined : (l) => l[key] !== undefined;
    }
    throw new Error(`unable to parse requirement: "${term}"`);
  });
  return (labels) => requirements.every((r) => r(labels));
}

/** Parses a field selector over `metadata.name` / `metadata.namespace`; throws on any other field. */
export function parseFieldSelector(text: string): (meta: { name?: string; namespace?: string }) => boolean {
  const checks = terms(text).map((term) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new Error(`field label not supported: "${term}"`);
    const [, field, op, value] = m;
    const get = (meta: { name?: string; namespace?: string }) =>
      field === 'metadata.name' ? meta.name : meta.namespace;
    return op === '!='
      ? (meta: { name?: string }) => get(meta) !== value
      : (meta: { name?: string }) => get(meta) === value;
  });
  return (meta) => checks.every((c) => c(meta));
}
