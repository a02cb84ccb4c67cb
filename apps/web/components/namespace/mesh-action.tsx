'use client';
/**
 * The Mesh / Unmesh button of one workload, and the rollout it starts, followed live
 * through the `workloads.rollout` subscription: pods updated / ready / total, ending in
 * a clear meshed (or unmeshed) state or a clear failure, without a page reload. Unmesh
 * asks for confirmation first; for a viewer the button is disabled (admins only).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import type { RolloutProgress, Workload } from '@weft/shared';
import { useEffect, useState } from 'react';
import { useTRPC } from '../../lib/trpc/client.ts';
import { describeError } from '../../lib/trpc/errors.ts';
import { useIsAdmin } from '../../lib/use-role.ts';
import { RolloutStatus } from './rollout-status.tsx';

export function MeshAction({ workload }: { workload: Workload }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ref = { namespace: workload.namespace, name: workload.name };
  const inFlight = workload.meshState === 'meshing' || workload.meshState === 'unmeshing';
  const [following, setFollowing] = useState(inFlight);
  const [progress, setProgress] = useState<RolloutProgress | null>(null);
  const [confirming, setConfirming] = useState(false);
  const isAdmin = useIsAdmin();

  useEffect(() => {
    if (inFlight) setFollowing(true);
  }, [inFlight]);

  const onDone = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.workloads.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.namespaces.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.health.pathKey() });
  };

  const subscription = useSubscription(
    trpc.workloads.rollout.subscriptionOptions(ref, {
      enabled: following,
      onData: (event) => {
        const p = event.data;
        setProgress(p);
        if (p.state !== 'progressing') {
          setFollowing(false);
          onDone();
        }
      },
    }),
  );

  // The stream failed and the workload list says no rollout is running any more: stop waiting.
  useEffect(() => {
    if (!inFlight && subscription.status === 'error') setFollowing(false);
  }, [inFlight, subscription.status]);

  const start = (p: RolloutProgress) => {
    setProgress(p);
    setFollowing(p.state === 'progressing');
    onDone();
  };
  const mesh = useMutation(trpc.workloads.mesh.mutationOptions({ onSuccess: start }));
  const unmesh = useMutation(trpc.workloads.unmesh.mutationOptions({ onSuccess: start }));
  const mutationError = mesh.error ?? unmesh.error;
  const busy = following || mesh.isPending || unmesh.isPending;
  const action = workload.meshed ? 'Unmesh' : 'Mesh';

  const run = () => {
    setConfirming(false);
    mesh.reset();
    unmesh.reset();
    (workload.meshed ? unmesh : mesh).mutate(ref);
  };

  return (
    <div className="mesh-action">
      {confirming ? (
        <fieldset className="confirm">
          <legend className="small">
            Unmesh {workload.name}? Its pods restart without a proxy: no mTLS, no metrics.
          </legend>
          <button type="button" className="button danger" onClick={run}>
            Confirm unmesh {workload.name}
          </button>
          <button type="button" className="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </fieldset>
      ) : (
        <button
          type="button"
          className={`button ${workload.meshed ? '' : 'primary'}`}
          aria-label={`${action} ${workload.name}`}
          disabled={busy || !isAdmin}
          title={isAdmin ? undefined : `${action} needs the admin role`}
          onClick={() => (workload.meshed ? setConfirming(true) : run())}
        >
          {action}
        </button>
      )}
      {progress && <RolloutStatus progress={progress} live={following} />}
      {mutationError && (
        <p className="state-error small" role="alert">
          {action} failed: {describeError(mutationError)}
        </p>
      )}
      {subscription.status === 'error' && following && (
        <p className="state-error small" role="alert">
          Lost the rollout's progress: {describeError(subscription.error)}
        </p>
      )}
    </div>
  );
}
