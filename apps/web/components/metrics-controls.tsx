'use client';
/** The controls every metrics view carries: time window and live refresh. */
import { RefreshToggle } from './refresh-toggle.tsx';
import { WindowSelector } from './window-selector.tsx';

export function MetricsControls() {
  return (
    <div className="metrics-controls">
      <WindowSelector />
      <RefreshToggle />
    </div>
  );
}
