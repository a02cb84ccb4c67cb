/** A rollout's progress: pods updated / ready / total with a bar, or how it ended. */
import type { RolloutProgress } from '@weft/shared';

export function RolloutStatus({ progress: p, live }: { progress: RolloutProgress; live: boolean }) {
  const verb = p.action === 'mesh' ? 'Meshing' : 'Unmeshing';
  const pct = p.total > 0 ? Math.round((Math.min(p.updated, p.ready) / p.total) * 100) : 100;
  let text: string;
  let cls: string;
  if (p.state === 'failed') {
    text = `${p.action === 'mesh' ? 'Mesh' : 'Unmesh'} failed: ${p.message}`;
    cls = 'rollout failed';
  } else if (p.state === 'complete') {
    text =
      p.action === 'mesh'
        ? `Meshed: ${p.ready}/${p.total} pods with a proxy`
        : `Unmeshed: ${p.ready}/${p.total} pods`;
    cls = 'rollout complete';
  } else {
    text = `${verb}: ${p.updated}/${p.total} updated, ${p.ready}/${p.total} ready`;
    cls = 'rollout progressing';
  }
  const body = (
    <>
      {p.state === 'progressing' && (
        <div className="rollout-bar" aria-hidden="true">
          <div style={{ width: `${pct}%` }} />
        </div>
      )}
      <span>
        {text}
        {live && p.state === 'progressing' ? '…' : ''}
      </span>
    </>
  );
  const label = `Rollout of ${p.workload.name}`;
  if (p.state === 'failed') {
    return (
      <div className={cls} role="alert" aria-label={label}>
        {body}
      </div>
    );
  }
  return (
    <div className={cls} role="status" aria-label={label}>
      {body}
    </div>
  );
}
