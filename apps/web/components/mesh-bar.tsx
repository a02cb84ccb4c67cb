/** A bar showing how many of a namespace's pods run with a proxy. */
export function MeshBar({ meshed, total, label }: { meshed: number; total: number; label: string }) {
  const pct = total > 0 ? Math.round((meshed / total) * 100) : 0;
  return (
    <div className="mesh-bar">
      <div
        className="mesh-bar-track"
        role="progressbar"
        aria-label={`${label}: ${meshed} of ${total} pods meshed`}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={meshed}
      >
        <div className="mesh-bar-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="mesh-bar-text">
        {meshed}/{total}
      </span>
    </div>
  );
}
