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
      onClick={() => setPaused(!paused)}
    >
      <span className="dot" aria-hidden="true" />
      {/* The name says what a press does and contains the visible text (WCAG 2.5.3). */}
      <span className="sr-only">{paused ? 'Resume live refresh: ' : 'Pause live refresh: '}</span>
      {paused ? 'Paused' : `Live · ${REFRESH_INTERVAL_MS / 1000}s`}
    </button>
  );
}
