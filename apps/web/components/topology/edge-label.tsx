/**
 * What a call between two workloads says about itself, wherever it is drawn (a React
 * Flow edge or the layer of calls): its label (rps and success rate, with p95 on hover,
 * mTLS and health marks), its tooltip, and the name a screen reader announces.
 */
import type { CSSProperties } from 'react';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import type { Health } from '../../lib/health.ts';
import { HealthIcon } from '../health-mark.tsx';
import { MtlsIcon, mtlsDescription, mtlsLabel } from '../mtls-state.tsx';

export interface CallFigures {
  rps: number;
  successRate: number | null;
  p95Ms: number | null;
  health: Health;
  /** Share of the call's requests that were mTLS, 0..1. */
  securedShare: number;
}

/** rps and success rate, as the label shows them. */
export function callSummary(c: CallFigures): string {
  return `${formatRps(c.rps)} rps · ${formatPercent(c.successRate)}`;
}

/** The tooltip of a call: its summary, p95 and mTLS share. */
export function callTooltip(c: CallFigures): string {
  return `${callSummary(c)} · p95 ${formatLatency(c.p95Ms)}${c.securedShare > 0 ? ` · ${mtlsDescription(c.securedShare)}` : ''}`;
}

/** The accessible name of the call from `source` to `target`. */
export function callName(
  source: string,
  target: string,
  c: Pick<CallFigures, 'rps' | 'successRate'>,
): string {
  return `Edge ${source} to ${target}: ${formatRps(c.rps)} rps, ${formatPercent(c.successRate)} success`;
}

/** A call's label, centred on (x, y) of the element it is positioned in. */
export function CallLabel({
  figures,
  x,
  y,
  highlighted,
}: {
  figures: CallFigures;
  x: number;
  y: number;
  highlighted: boolean;
}) {
  const { health, securedShare, p95Ms } = figures;
  const partial = securedShare > 0 && securedShare < 1;
  const style: CSSProperties = { transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` };
  return (
    <div
      className={`topo-edge-label health-${health}${highlighted ? ' highlighted' : ''}${partial ? ' partial-mtls' : ''}`}
      style={style}
      title={callTooltip(figures)}
    >
      {securedShare > 0 && (
        <span className="mtls" role="img" aria-label={mtlsLabel(securedShare)}>
          <MtlsIcon securedShare={securedShare} size={11} />
          {partial && `${mtlsLabel(securedShare).slice(5)} · `}
        </span>
      )}
      {(health === 'degraded' || health === 'failing') && <HealthIcon health={health} size={11} />}
      {callSummary(figures)}
      <span className="p95"> · p95 {formatLatency(p95Ms)}</span>
    </div>
  );
}
