'use client';
/**
 * The policy editor of a Service: a form and a YAML view of one document (edit either,
 * the other follows), checked by the controller as you type (a dry run), with its
 * problems next to the form fields and as markers in the YAML; Apply stores it and
 * shows its propagation. Loaded lazily (CodeMirror is the page's heaviest part).
 */
import type { Diagnostic } from '@codemirror/lint';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Service } from '@weft/shared';
import { useEffect, useMemo, useState } from 'react';
import {
  type ControllerIssue,
  describeIssue,
  issuesFromMessage,
} from '../../lib/policy/controller-issues.ts';
import { placeIssues } from '../../lib/policy/form-issues.ts';
import {
  editTarget,
  formFromYaml,
  initialForm,
  initialYaml,
  type RouteForm,
  yamlWithForm,
} from '../../lib/policy/route-form.ts';
import type { ServicePolicies } from '../../lib/policy/service-policies.ts';
import { isRefusal, useDryRun } from '../../lib/policy/use-dry-run.ts';
import { locateField } from '../../lib/policy/yaml-locate.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { BeforeApply } from './before-apply.tsx';
import { PropagationStatus } from './propagation-status.tsx';
import { RouteFormFields } from './route-form-fields.tsx';
import YamlCodeEditor from './yaml-code-editor.tsx';

function diagnosticsOf(text: string, issues: readonly ControllerIssue[]): Diagnostic[] {
  return issues.map((issue) => {
    const at = locateField(
      text,
      issue.index !== undefined ? { index: issue.index } : { kind: issue.kind, name: issue.name },
      issue.path,
    ) ?? { from: 0, to: Math.max(0, text.indexOf('\n')) };
    return {
      from: at.from,
      to: at.to,
      severity: 'error',
      message: describeIssue(issue),
      source: 'controller',
    };
  });
}

export default function PolicyEditor({
  service,
  policies,
  readOnly,
}: {
  service: Service;
  policies: ServicePolicies;
  readOnly: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const target = useMemo(() => editTarget(service, policies), [service, policies]);
  const live = useMemo(() => initialYaml(service, policies), [service, policies]);
  const [baseline, setBaseline] = useState(live);
  const [text, setText] = useState(live);
  const [applied, setApplied] = useState<{ revision: number; at: number } | null>(null);
  const [applyIssues, setApplyIssues] = useState<{ text: string; issues: ControllerIssue[] } | null>(null);

  // The live policy changed (an apply, a rollback, someone else): follow it unless edited.
  useEffect(() => {
    setText((t) => (t === baseline ? live : t));
    setBaseline(live);
  }, [live, baseline]);

  // The live text's form comes from the live documents: parsing a route of many rules again
  // would hold up the page's first render.
  const liveForm = useMemo(() => initialForm(service, policies), [service, policies]);
  const reading = useMemo(
    () => (text === live ? liveForm : formFromYaml(text, target)),
    [text, live, liveForm, target],
  );
  const check = useDryRun(text, !readOnly);
  const current = check.text === text && check.status !== 'checking';
  const issues = useMemo(() => {
    if (applyIssues?.text === text) return applyIssues.issues;
    return current ? check.issues : [];
  }, [applyIssues, text, current, check.issues]);
  const placed = useMemo(() => placeIssues(issues, target), [issues, target]);
  const diagnostics = useMemo(() => diagnosticsOf(text, issues), [text, issues]);

  const apply = useMutation(
    trpc.policies.applyYaml.mutationOptions({
      onSuccess: (r) => {
        setApplied({ revision: r.revision, at: Date.now() });
        setApplyIssues(null);
        void queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
      },
      onError: (err, input) => {
        if (isRefusal(err)) setApplyIssues({ text: input.yaml, issues: issuesFromMessage(err.message) });
      },
    }),
  );

  const edited = text !== baseline;
  const canApply = !readOnly && edited && current && check.status === 'valid' && !apply.isPending;
  const onForm = (form: RouteForm) => setText((t) => yamlWithForm(t, form, target));

  let status: { tone: string; text: string };
  if (readOnly) status = { tone: '', text: 'Read-only: viewers see the policy; admins edit it.' };
  else if (!current) status = { tone: '', text: 'Checking with the controller…' };
  else if (check.status === 'failed') status = { tone: 'bad', text: `Could not check: ${check.failure}` };
  else if (issues.length > 0)
    status = {
      tone: 'bad',
      text: `The controller refuses this change: ${issues.length} problem${issues.length === 1 ? '' : 's'}.`,
    };
  else if (!edited) status = { tone: '', text: 'No change from the live policy.' };
  else
    status = {
      tone: 'ok',
      text: `The controller accepts this change: ${check.diff
        .map(
          (d) =>
            `${d.change} ${d.ref.kind} ${d.ref.namespace}/${d.ref.name}${d.fields.length > 0 ? ` (${d.fields.join(', ')})` : ''}`,
        )
        .join('; ')}.`,
    };

  return (
    <div>
      <div className="editor-grid">
        <RouteFormFields
          route={target.route}
          form={reading.form}
          unavailable={reading.error}
          issues={placed.byField}
          readOnly={readOnly}
          onChange={onForm}
        />
        <div>
          <h3 id="yaml-heading">YAML</h3>
          <YamlCodeEditor value={text} onChange={setText} diagnostics={diagnostics} readOnly={readOnly} />
        </div>
      </div>
      <p className={`editor-status ${status.tone}`} role="status" aria-label="Validation">
        {status.text}
      </p>
      {placed.other.length > 0 && (
        <ul className="issue-list" aria-label="Problems">
          {placed.other.map((i) => (
            <li key={describeIssue(i)}>{describeIssue(i)}</li>
          ))}
        </ul>
      )}
      {!readOnly && edited && current && check.status === 'valid' && <BeforeApply yaml={text} />}
      {!readOnly && (
        <div className="editor-actions">
          <button
            type="button"
            className="button primary"
            disabled={!canApply}
            onClick={() => apply.mutate({ yaml: text })}
          >
            {apply.isPending ? 'Applying…' : 'Apply'}
          </button>
          <button type="button" className="button" disabled={!edited} onClick={() => setText(baseline)}>
            Discard changes
          </button>
        </div>
      )}
      {apply.isError && !isRefusal(apply.error) && (
        <p className="state-error" role="alert">
          Apply failed: {describeError(apply.error)}
        </p>
      )}
      {applied && (
        <PropagationStatus key={applied.revision} revision={applied.revision} startedAt={applied.at} />
      )}
    </div>
  );
}
