/** Control-plane health at a glance: status, platform, version, uptime, counts, problems. */
import type { ControlPlaneHealth } from '@weft/shared';

function uptime(seconds: number): string {
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  const h = Math.floor(seconds / 3600);
  return h < 48 ? `${h}h ${Math.floor((seconds % 3600) / 60)}m` : `${Math.floor(h / 24)}d`;
}

export function ControlPlaneCard({ health }: { health: ControlPlaneHealth }) {
  const ok = health.status === 'ok';
  return (
    <section className="card" aria-label="Control plane">
      <div className="card-title-row">
        <h2>Control plane</h2>
        <span className={`pill ${ok ? 'health-healthy' : 'health-degraded'}`}>
          {ok ? 'Healthy' : 'Degraded'}
        </span>
      </div>
      <dl className="stats">
        <div>
          <dt>Platform</dt>
          <dd>{health.platform}</dd>
        </div>
        <div>
          <dt>Version</dt>
          <dd>{health.version}</dd>
        </div>
        <div>
          <dt>Uptime</dt>
          <dd>{uptime(health.uptimeSeconds)}</dd>
        </div>
        <div>
          <dt>Meshed workloads</dt>
          <dd>
            {health.meshedWorkloads} / {health.workloads}
          </dd>
        </div>
        <div>
          <dt>Ready pods</dt>
          <dd>
            {health.readyPods} / {health.pods}
          </dd>
        </div>
        <div>
          <dt>Namespaces</dt>
          <dd>{health.namespaces}</dd>
        </div>
      </dl>
      {health.problems.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {health.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
