'use client';
/**
 * The guided rotation of the issuer or the trust anchor: the four steps (generate,
 * distribute both anchors, move every proxy to the new issuer, finish), the step the
 * rotation is in, each proxy's progress, and the button for the next step, enabled once
 * every proxy has moved. Admins only; a viewer sees the progress.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ActiveRotation, RotationKind, RotationPhase } from '@weft/shared';
import { useState } from 'react';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { useIsAdmin } from '../../lib/use-role.ts';
import { QueryState } from '../query-state.tsx';

const STEPS = [
  { title: 'Generate', text: 'A new issuer (and, for an anchor rotation, a new trust anchor) is made.' },
  { title: 'Distribute', text: 'Proxies trust the old and the new anchor; each renews at once.' },
  { title: 'Switch', text: 'The new issuer signs; each proxy renews onto it.' },
  { title: 'Finish', text: 'The old anchor (or issuer) is removed; the new CA is the CA.' },
];

/** Index in {@link STEPS} of the step a phase has done. */
const DONE: Record<RotationPhase, number> = { generated: 0, distributing: 1, switching: 2 };

const ADVANCE_LABEL: Record<RotationPhase, string> = {
  generated: 'Distribute both anchors',
  distributing: 'Switch to the new issuer',
  switching: 'Finish the rotation',
};

function Steps({ active }: { active: ActiveRotation | null }) {
  const done = active ? DONE[active.phase] : -1;
  return (
    <ol className="rotation-steps" aria-label="Rotation steps">
      {STEPS.map((s, i) => (
        <li
          key={s.title}
          aria-current={i === done ? 'step' : undefined}
          data-state={i <= done ? 'done' : 'todo'}
        >
          <strong>
            {i + 1}. {s.title}
          </strong>{' '}
          {i <= done ? '(done) ' : ''}
          <span className="small">{s.text}</span>
        </li>
      ))}
    </ol>
  );
}

function ProxyProgress({ active }: { active: ActiveRotation }) {
  const moved = active.proxies.filter((p) =>
    active.phase === 'distributing' ? p.trustsBundle : active.phase === 'switching' ? p.onNewIssuer : true,
  ).length;
  return (
    <>
      <p role="status" data-testid="rotation-progress">
        {active.phase === 'generated'
          ? `${active.proxies.length} proxies will move.`
          : `${moved} of ${active.proxies.length} proxies ${active.phase === 'distributing' ? 'trust both anchors' : 'hold a certificate of the new issuer'}.`}
      </p>
      <table aria-label="Rotation progress per proxy">
        <thead>
          <tr>
            <th scope="col">Proxy</th>
            <th scope="col">Trusts the new anchor</th>
            <th scope="col">Certificate from the new issuer</th>
            <th scope="col">Last renewal</th>
          </tr>
        </thead>
        <tbody>
          {active.proxies.map((p) => (
            <tr key={`${p.namespace}/${p.pod}`}>
              <td>
                {p.namespace}/{p.pod}
              </td>
              <td>{p.trustsBundle ? 'yes' : 'not yet'}</td>
              <td>{p.onNewIssuer ? 'yes' : 'not yet'}</td>
              <td>{p.lastRenewal}</td>
            </tr>
          ))}
          {active.proxies.length === 0 && (
            <tr>
              <td colSpan={4}>No meshed proxy holds a certificate: nothing to wait for.</td>
            </tr>
          )}
        </tbody>
      </table>
    </>
  );
}

/**
 * The form that starts a rotation. Shown disabled while the rotation's status loads, so
 * the card keeps the shape it has once loaded.
 */
function StartForm({
  kind,
  onKind,
  pending = false,
  disabled,
  title,
  onStart,
  lastFinished,
}: {
  kind: RotationKind;
  onKind: (k: RotationKind) => void;
  /** While the rotation's status loads: the whole form is disabled. */
  pending?: boolean;
  disabled: boolean;
  title: string | undefined;
  onStart: () => void;
  lastFinished?: { kind: RotationKind; finishedAt: string } | null | undefined;
}) {
  return (
    <fieldset disabled={pending}>
      <legend>Start a rotation</legend>
      <label>
        <input
          type="radio"
          name="rotation-kind"
          checked={kind === 'anchor'}
          onChange={() => onKind('anchor')}
        />{' '}
        Trust anchor (and the issuer under it)
      </label>{' '}
      <label>
        <input
          type="radio"
          name="rotation-kind"
          checked={kind === 'issuer'}
          onChange={() => onKind('issuer')}
        />{' '}
        Issuer only
      </label>{' '}
      <button
        type="button"
        className="button primary"
        disabled={disabled || pending}
        title={title}
        onClick={onStart}
      >
        Generate the new {kind === 'anchor' ? 'trust anchor' : 'issuer'}
      </button>
      {lastFinished && (
        <p className="small">
          Last rotation ({lastFinished.kind}) finished {lastFinished.finishedAt}.
        </p>
      )}
    </fieldset>
  );
}

export function RotationWizard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const isAdmin = useIsAdmin();
  const [kind, setKind] = useState<RotationKind>('anchor');
  const status = useQuery({ ...trpc.identity.rotation.status.queryOptions(), refetchInterval: 1000 });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.identity.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.health.pathKey() });
  };
  const start = useMutation(trpc.identity.rotation.start.mutationOptions({ onSuccess: refresh }));
  const advance = useMutation(trpc.identity.rotation.advance.mutationOptions({ onSuccess: refresh }));
  const cancel = useMutation(trpc.identity.rotation.cancel.mutationOptions({ onSuccess: refresh }));
  const error = start.error ?? advance.error ?? cancel.error;
  const busy = start.isPending || advance.isPending || cancel.isPending;
  const reset = () => {
    start.reset();
    advance.reset();
    cancel.reset();
  };
  const s = status.data;
  const active = s?.active ?? null;
  const denied = isAdmin ? undefined : 'Rotation needs the admin role';
  return (
    <section aria-label="Rotation" className="card">
      <h2>Rotation</h2>
      {status.isPending && (
        <>
          <p className="sr-only" role="status">
            Loading the rotation…
          </p>
          <Steps active={null} />
          <StartForm kind={kind} onKind={setKind} pending disabled title={undefined} onStart={() => {}} />
        </>
      )}
      {!status.isPending && (
        <QueryState query={status} what="the rotation">
          {s && (
            <>
              <Steps active={active} />
              {s.unavailable && <p>{s.unavailable}</p>}
              {!active && !s.unavailable && (
                <StartForm
                  kind={kind}
                  onKind={setKind}
                  disabled={busy || !isAdmin}
                  title={denied}
                  onStart={() => {
                    reset();
                    start.mutate({ kind });
                  }}
                  lastFinished={s.lastFinished}
                />
              )}
              {active && (
                <>
                  <p>
                    Rotating the {active.kind === 'anchor' ? 'trust anchor' : 'issuer'}: new issuer{' '}
                    <code>{active.newIssuer.subject}</code>
                    {active.newTrustAnchor && (
                      <>
                        , new anchor <code>{active.newTrustAnchor.subject}</code>
                      </>
                    )}
                    .
                  </p>
                  <ProxyProgress active={active} />
                  <p className="small">Next: {active.next}</p>
                  <button
                    type="button"
                    className="button primary"
                    disabled={busy || !isAdmin || !active.readyToAdvance}
                    title={denied ?? (active.readyToAdvance ? undefined : 'Waiting for every proxy to move')}
                    onClick={() => {
                      reset();
                      advance.mutate({ from: active.phase });
                    }}
                  >
                    {ADVANCE_LABEL[active.phase]}
                  </button>{' '}
                  {active.phase !== 'switching' && (
                    <button
                      type="button"
                      className="button"
                      disabled={busy || !isAdmin}
                      title={denied}
                      onClick={() => {
                        reset();
                        cancel.mutate();
                      }}
                    >
                      Cancel the rotation
                    </button>
                  )}
                </>
              )}
              {error && (
                <p className="state-error small" role="alert">
                  Rotation failed: {describeError(error)}
                </p>
              )}
            </>
          )}
        </QueryState>
      )}
    </section>
  );
}
