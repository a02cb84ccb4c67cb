'use client';
/** The time-window selector (1m, 5m, 15m, 1h), kept in the URL as `?window=`. */
import { useTimeWindow, WINDOWS } from '../lib/time-window.ts';

export function WindowSelector() {
  const [window, setWindow] = useTimeWindow();
  return (
    <fieldset className="segmented" aria-label="Time window">
      {WINDOWS.map((w) => (
        <button key={w} type="button" aria-pressed={w === window} onClick={() => setWindow(w)}>
          {w}
        </button>
      ))}
    </fieldset>
  );
}
