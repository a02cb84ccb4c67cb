'use client';
/**
 * The form view of the policy editor: the route's backends (Service, weight slider and
 * number), its path match, request timeout and retries. Each field shows the
 * controller's problems with it right below, tied to it with `aria-describedby`.
 */
import type { FieldKey } from '../../lib/policy/form-issues.ts';
import type { BackendField, PathMatchField, RouteForm } from '../../lib/policy/route-form.ts';

const MAX_SLIDER_WEIGHT = 100;

function FieldError({ id, messages }: { id: string; messages: readonly string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <p id={id} className="field-error">
      {messages.join('; ')}
    </p>
  );
}

function fieldState(issues: Map<FieldKey, string[]>, key: FieldKey) {
  const messages = issues.get(key);
  const id = `field-error-${key.replace(/\W/g, '-')}`;
  return {
    messages,
    id,
    props: messages ? { 'aria-invalid': true as const, 'aria-describedby': id } : {},
  };
}

function BackendRow({
  backend,
  index,
  issues,
  onChange,
  onRemove,
}: {
  backend: BackendField;
  index: number;
  issues: Map<FieldKey, string[]>;
  onChange: (b: BackendField) => void;
  onRemove: () => void;
}) {
  const name = fieldState(issues, `backend.${index}.name`);
  const weight = fieldState(issues, `backend.${index}.weight`);
  const label = backend.name || `backend ${index + 1}`;
  const w = Number.isFinite(backend.weight) ? backend.weight : 0;
  return (
    <div className="backend-row form-row">
      <label className="form-field">
        Backend {index + 1} Service
        <input
          type="text"
          value={backend.name}
          spellCheck={false}
          onChange={(e) => onChange({ ...backend, name: e.target.value.trim() })}
          {...name.props}
        />
      </label>
      <label className="form-field">
        Weight of {label}
        <input
          type="range"
          min={0}
          max={Math.max(MAX_SLIDER_WEIGHT, w)}
          value={Math.max(0, w)}
          onChange={(e) => onChange({ ...backend, weight: Number(e.target.value) })}
          {...weight.props}
        />
      </label>
      <label className="form-field">
        Weight of {label} (number)
        <input
          type="number"
          step={1}
          value={Number.isFinite(backend.weight) ? backend.weight : ''}
          onChange={(e) => {
            if (e.target.value !== '') onChange({ ...backend, weight: Number(e.target.value) });
          }}
          {...weight.props}
        />
      </label>
      <button type="button" className="button" onClick={onRemove} aria-label={`Remove backend ${label}`}>
        Remove
      </button>
      <FieldError id={name.id} messages={name.messages} />
      <FieldError id={weight.id} messages={weight.messages} />
    </div>
  );
}

const PATH_TYPES: { value: PathMatchField['type'] | ''; label: string }[] = [
  { value: '', label: 'Every path' },
  { value: 'PathPrefix', label: 'Path prefix' },
  { value: 'Exact', label: 'Exact path' },
  { value: 'RegularExpression', label: 'Regular expression' },
];

export function RouteFormFields({
  route,
  form,
  unavailable,
  issues,
  readOnly,
  onChange,
}: {
  route: string;
  form: RouteForm | undefined;
  /** Why the form cannot be shown (then edit as YAML). */
  unavailable: string | undefined;
  issues: Map<FieldKey, string[]>;
  readOnly: boolean;
  onChange: (form: RouteForm) => void;
}) {
  const path = fieldState(issues, 'pathMatch');
  const timeout = fieldState(issues, 'timeout');
  const retryOn = fieldState(issues, 'retryOn');
  const retryLimit = fieldState(issues, 'retryLimit');
  const retryTimeout = fieldState(issues, 'retryTimeout');
  if (!form)
    return (
      <p className="state-error" role="status">
        {unavailable}
      </p>
    );
  const set = (patch: Partial<RouteForm>) => onChange({ ...form, ...patch });
  const setBackend = (i: number, b: BackendField) =>
    set({ backends: form.backends.map((x, j) => (j === i ? b : x)) });
  return (
    <fieldset className="policy-form" disabled={readOnly}>
      <legend>HTTPRoute {route}, first rule</legend>
      <fieldset className="form-group">
        <legend>Backends</legend>
        {form.backends.map((b, i) => (
          <BackendRow
            // Backends are edited in place by position.
            // biome-ignore lint/suspicious/noArrayIndexKey: a backend row is known by its index
            key={i}
            backend={b}
            index={i}
            issues={issues}
            onChange={(nb) => setBackend(i, nb)}
            onRemove={() => set({ backends: form.backends.filter((_, j) => j !== i) })}
          />
        ))}
        <div className="editor-actions">
          <button
            type="button"
            className="button"
            onClick={() =>
              set({ backends: [...form.backends, { name: '', port: form.backends[0]?.port, weight: 0 }] })
            }
          >
            Add backend
          </button>
        </div>
      </fieldset>
      <fieldset className="form-group">
        <legend>Match</legend>
        <div className="form-row">
          <label className="form-field">
            Path match
            <select
              value={form.pathMatch?.type ?? ''}
              onChange={(e) => {
                const type = e.target.value as PathMatchField['type'] | '';
                set({ pathMatch: type === '' ? null : { type, value: form.pathMatch?.value ?? '/' } });
              }}
              {...path.props}
            >
              {PATH_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label className="form-field">
            Path
            <input
              type="text"
              spellCheck={false}
              value={form.pathMatch?.value ?? ''}
              disabled={form.pathMatch === null}
              onChange={(e) =>
                form.pathMatch && set({ pathMatch: { ...form.pathMatch, value: e.target.value } })
              }
              {...path.props}
            />
          </label>
          <FieldError id={path.id} messages={path.messages} />
        </div>
      </fieldset>
      <fieldset className="form-group">
        <legend>Timeout and retries</legend>
        <div className="form-row">
          <label className="form-field">
            Request timeout
            <input
              type="text"
              placeholder="none, e.g. 2s"
              value={form.timeout}
              onChange={(e) => set({ timeout: e.target.value.trim() })}
              {...timeout.props}
            />
          </label>
          <FieldError id={timeout.id} messages={timeout.messages} />
        </div>
        <div className="form-row">
          <label className="form-field">
            Retry on
            <input
              type="text"
              placeholder="none, e.g. 5xx"
              value={form.retryOn}
              onChange={(e) => set({ retryOn: e.target.value.trim() })}
              {...retryOn.props}
            />
          </label>
          <label className="form-field">
            Retry limit
            <input
              type="text"
              inputMode="numeric"
              placeholder="e.g. 2"
              value={form.retryLimit}
              onChange={(e) => set({ retryLimit: e.target.value.trim() })}
              {...retryLimit.props}
            />
          </label>
          <label className="form-field">
            Attempt timeout
            <input
              type="text"
              placeholder="e.g. 300ms"
              value={form.retryTimeout}
              onChange={(e) => set({ retryTimeout: e.target.value.trim() })}
              {...retryTimeout.props}
            />
          </label>
          <FieldError id={retryOn.id} messages={retryOn.messages} />
          <FieldError id={retryLimit.id} messages={retryLimit.messages} />
          <FieldError id={retryTimeout.id} messages={retryTimeout.messages} />
        </div>
      </fieldset>
    </fieldset>
  );
}
