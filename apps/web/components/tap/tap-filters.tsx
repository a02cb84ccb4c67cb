/**
 * The tap's filter form: namespace, workload, to-namespace, to-workload, method, path
 * prefix, authority and status class. Applied on submit (not per keystroke); a bad value
 * is named and nothing changes.
 */
import { TapFilter } from '@weft/shared';
import { type FormEvent, useState } from 'react';

const FIELDS = [
  ['namespace', 'Namespace'],
  ['workload', 'Workload'],
  ['toNamespace', 'To namespace'],
  ['toWorkload', 'To workload'],
  ['pathPrefix', 'Path prefix'],
  ['authority', 'Authority'],
] as const;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const STATUS = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** The filter a form's values make (empty fields left out), or the reason it is bad. */
export function filterFromForm(form: FormData): { filter: TapFilter } | { error: string } {
  const raw: Record<string, string> = {};
  for (const [k, v] of form) if (typeof v === 'string' && v.trim() !== '') raw[k] = v.trim();
  const parsed = TapFilter.safeParse(raw);
  if (parsed.success) return { filter: parsed.data };
  const issue = parsed.error.issues[0];
  const label = FIELDS.find(([k]) => k === issue?.path[0])?.[1] ?? String(issue?.path[0] ?? 'filter');
  return { error: `${label}: ${issue?.message ?? 'invalid'}` };
}

export function TapFilters({ filter, onApply }: { filter: TapFilter; onApply: (f: TapFilter) => void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = (ev: FormEvent<HTMLFormElement>) => {
    ev.preventDefault();
    const r = filterFromForm(new FormData(ev.currentTarget));
    if ('error' in r) {
      setError(r.error);
      return;
    }
    setError(null);
    onApply(r.filter);
  };
  return (
    <form
      className="toolbar tap-filters"
      aria-label="Tap filters"
      onSubmit={submit}
      key={JSON.stringify(filter)}
    >
      {FIELDS.map(([k, label]) => (
        <label key={k} className="field">
          {label}
          <input name={k} defaultValue={filter[k] ?? ''} placeholder={k === 'pathPrefix' ? '/' : 'any'} />
        </label>
      ))}
      <label className="field">
        Method
        <select name="method" defaultValue={filter.method ?? ''}>
          <option value="">any</option>
          {METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label className="field">
        Status
        <select name="statusClass" defaultValue={filter.statusClass ?? ''}>
          <option value="">any</option>
          {STATUS.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <button type="submit" className="button primary">
        Apply filters
      </button>
      {error && (
        <p className="state-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
