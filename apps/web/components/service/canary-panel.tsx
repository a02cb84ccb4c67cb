'use client';
/**
 * One-click canary for a Service, run by the controller (`canaries.*`): the latest
 * canary's steps, gates, current weight and timeline (a failed gate and the revert show
 * there), Abort while it runs, and (for admins, when none runs) a form to start one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Canary, CanarySummary, Service } from '@weft/shared';
import { useState } from 'react';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { QueryState } from '../query-state.tsx';

const POLL_MS = 2_000;
const PHASE_TONE: Record<Canary['phase'], string> = {
  running: 'health-progress',
  succeeded: 'health-healthy',
  failed: 'health-failing',
  aborted: 'health-idle',
};

function CanaryDetail({ summary, admin }: { summary: CanarySummary; admin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const running = summary.phase === 'running';
  const q = useQuery({
    ...trpc.canaries.get.queryOptions({ id: summary.id }),
    // Until the timeline itself says the canary ended (the list may say so first).
    refetchInterval: (query) => (running || query.state.data?.phase === 'running' ? POLL_MS : false),
  });
  const abort = useMutation(
    trpc.canaries.abort.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.canaries.pathKey() }),
    }),
  );
  const c = q.data ?? { ...summary, events: [] };
  return (
    <div>
      <h3>
        Canary {c.stable} → {c.canary} <span className={`pill ${PHASE_TONE[c.phase]}`}>{c.phase}</span>
      </h3>
      <p className="small">
        <span className="muted">Now: </span>
        {c.weight}% to {c.canary} on HTTPRoute {c.route}, port {c.port} ·{' '}
        <span className="muted">gates: </span>
        success ≥ {formatPercent(c.gates.minSuccessRate)}, p99 ≤ {formatLatency(c.gates.maxP99Ms)}, at least{' '}
        {c.gates.minRequests} request{c.gates.minRequests === 1 ? '' : 's'} per {c.holdSeconds} s hold
      </p>
      <ol className="canary-steps" aria-label="Canary steps">
        {c.steps.map((w, i) => {
          const state =
            i < c.stepIndex || (i === c.stepIndex && c.phase === 'succeeded')
              ? 'passed'
              : i === c.stepIndex
                ? c.phase === 'running'
                  ? 'holding'
                  : c.phase
                : 'pending';
          return (
            <li key={w} className={`canary-step ${state}`}>
              {w}% <span className="small">{state}</span>
            </li>
          );
        })}
      </ol>
      {running && admin && (
        <button
          type="button"
          className="button danger"
          disabled={abort.isPending}
          onClick={() => abort.mutate({ id: c.id })}
        >
          Abort canary
        </button>
      )}
      {abort.isError && (
        <p className="state-error" role="alert">
          Abort failed: {describeError(abort.error)}
        </p>
      )}
      <h4>Timeline</h4>
      <QueryState query={q} what="the canary's timeline">
        <ol className="plain-list small" aria-label="Canary timeline">
          {c.events.map((e) => (
            <li
              key={`${e.at}|${e.kind}|${e.step ?? ''}`}
              className={e.kind === 'gate-failed' ? 'health-text-failing' : ''}
            >
              <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> {e.message}
              {e.measurement &&
                ` (success ${formatPercent(e.measurement.successRate)}, p99 ${formatLatency(e.measurement.p99Ms)}, ${formatRps(e.measurement.rps)} rps)`}
            </li>
          ))}
        </ol>
      </QueryState>
    </div>
  );
}

function StartCanary({
  service,
  backends,
  route,
  suggested,
}: {
  service: Service;
  backends: string[];
  route: string | undefined;
  suggested: string | undefined;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const others = backends.filter((b) => b !== service.name);
  const [stable, setStable] = useState(service.name);
  const [canary, setCanary] = useState(suggested ?? others[0] ?? '');
  const [port, setPort] = useState(service.ports[0]?.port ?? 0);
  const [steps, setSteps] = useState('10, 25, 50, 100');
  const [hold, setHold] = useState('30');
  const [success, setSuccess] = useState('95');
  const [p99, setP99] = useState('500');
  const start = useMutation(
    trpc.canaries.start.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.canaries.pathKey() }),
    }),
  );
  const submit = () =>
    start.mutate({
      namespace: service.namespace,
      service: service.name,
      port,
      ...(route ? { route } : {}),
      stable,
      canary,
      steps: steps
        .split(/[\s,]+/)
        .filter((s) => s !== '')
        .map(Number),
      holdSeconds: Number(hold),
      gates: { minSuccessRate: Number(success) / 100, maxP99Ms: Number(p99) },
    });
  return (
    <form
      className="policy-form"
      aria-label="Start a canary"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div className="form-row">
        <label className="form-field">
          Stable backend
          <select value={stable} onChange={(e) => setStable(e.target.value)}>
            {backends.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label className="form-field">
          Canary backend
          <select value={canary} onChange={(e) => setCanary(e.target.value)}>
            {backends.map((b) => (
              <option key={b}>{b}</option>
            ))}
          </select>
        </label>
        <label className="form-field">
          Port
          <select value={port} onChange={(e) => setPort(Number(e.target.value))}>
            {service.ports.map((p) => (
              <option key={p.port} value={p.port}>
                {p.port}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="form-row">
        <label className="form-field">
          Steps (% to the canary)
          <input type="text" value={steps} onChange={(e) => setSteps(e.target.value)} />
        </label>
        <label className="form-field">
          Hold each step (s)
          <input type="number" min={5} value={hold} onChange={(e) => setHold(e.target.value)} />
        </label>
        <label className="form-field">
          Min success rate (%)
          <input
            type="number"
            min={0}
            max={100}
            step="0.1"
            value={success}
            onChange={(e) => setSuccess(e.target.value)}
          />
        </label>
        <label className="form-field">
          Max p99 (ms)
          <input type="number" min={1} value={p99} onChange={(e) => setP99(e.target.value)} />
        </label>
      </div>
      <div className="editor-actions">
        <button type="submit" className="button primary" disabled={start.isPending || canary === ''}>
          Start canary
        </button>
      </div>
      {start.isError && (
        <p className="state-error" role="alert">
          Could not start: {describeError(start.error)}
        </p>
      )}
    </form>
  );
}

export function CanaryPanel({
  service,
  backends,
  route,
  suggested,
  admin,
}: {
  service: Service;
  /** The HTTPRoute the canary sets (the Service's first), or none to have one made. */
  route: string | undefined;
  /** Services of the namespace a canary may use as backends. */
  backends: string[];
  /** The canary backend to offer first: one the route already sends to, other than the Service. */
  suggested: string | undefined;
  admin: boolean;
}) {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.canaries.list.queryOptions({ namespace: service.namespace }),
    refetchInterval: POLL_MS,
  });
  const mine = (list.data ?? [])
    .filter((c) => c.service === service.name)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const latest = mine[0];
  return (
    <QueryState query={list} what="canaries">
      {latest ? (
        <CanaryDetail key={latest.id} summary={latest} admin={admin} />
      ) : (
        <p className="state-empty">No canary has run on this Service.</p>
      )}
      {admin && latest?.phase !== 'running' && (
        <>
          <h3>Start a canary</h3>
          <StartCanary service={service} backends={backends} route={route} suggested={suggested} />
        </>
      )}
    </QueryState>
  );
}
