/**
 * Health told by more than colour: an icon beside a coloured value, and the band's word
 * for screen readers (or shown, with `showWord`). Healthy and idle values get no mark.
 */
import { CircleAlert, CircleCheck, OctagonX } from 'lucide-react';
import type { ReactNode } from 'react';
import { HEALTH_LABEL, type Health } from '../lib/health.ts';

/** The icon of a health band (none for idle and unknown), hidden from screen readers. */
export function HealthIcon({ health, size = 13 }: { health: Health; size?: number }) {
  const Icon =
    health === 'failing'
      ? OctagonX
      : health === 'degraded'
        ? CircleAlert
        : health === 'healthy'
          ? CircleCheck
          : null;
  return Icon ? <Icon size={size} strokeWidth={2.5} aria-hidden="true" focusable="false" /> : null;
}

export function HealthMark({
  health,
  children,
  showWord = false,
}: {
  health: Health;
  children: ReactNode;
  showWord?: boolean;
}) {
  if (health !== 'degraded' && health !== 'failing') return <>{children}</>;
  const word = HEALTH_LABEL[health].toLowerCase();
  return (
    <span className="health-mark" title={word}>
      <HealthIcon health={health} />
      {children}
      {showWord ? <span> {word}</span> : <span className="sr-only"> ({word})</span>}
    </span>
  );
}
