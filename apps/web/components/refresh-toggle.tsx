'use client';
/** Pauses or resumes live refresh of every metrics view. */
import { REFRESH_INTERVAL_MS, useLiveRefresh } from '../lib/live-refresh.tsx';

export function RefreshToggle() {
  const { paused, setPaused } = useLiveRefresh();
  return (
    <button
      type="button"
      className={`refresh-toggle${paused ? ' paused' : ''}`}
      aria-pressed={!paused}
      aria-label={paused ? 'Resume live refresh' : 'Pause live refresh'}
      onClick={() => setPaused(!paused)}
    >
      <span className="dot" aria-hidden="true" />
      {paused ? 'Paused' : `Live · ${REFRESH_INTERVAL_MS / 1000}s`}
    </button>
  );
}
