'use client';
/**
 * Golden-metric charts over the chosen window: success rate, requests per second, and
 * latency p50/p95/p99 as lines. Animation is off so the charts draw at once; they are
 * drawn one per task so that no task blocks the page for long. The latency series are
 * named in HTML beside the title rather than by Recharts' Legend, which measures itself
 * after drawing and makes the whole chart lay out and draw again. A chart's tooltip is
 * added when the pointer or the keyboard focus first comes to it: it shows nothing before
 * that, and mounting it with the chart made the first drawing about a third dearer.
 */
import type { GoldenPoint } from '@weft/shared';
import { startTransition, useEffect, useState } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { CHART_TITLES, ChartFrame } from './chart-frame.tsx';

const time = (t: number) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The size of a chart's drawing area, in CSS pixels. */
export interface ChartSize {
  width: number;
  height: number;
}

interface ChartProps {
  title: string;
  points: GoldenPoint[];
  children: React.ReactNode;
  yFormat: (v: number) => string;
  domain?: [number | string, number | string];
  size: ChartSize | undefined;
  /** Series named under the title (a legend in HTML, outside the chart's own layout). */
  legend?: { name: string; colour: string }[];
}

function Chart({ title, points, children, yFormat, domain, size, legend }: ChartProps) {
  const [tooltip, setTooltip] = useState(false);
  const wantTooltip = () => setTooltip(true);
  return (
    <figure
      className="chart"
      aria-label={`${title} chart`}
      onPointerEnter={tooltip ? undefined : wantTooltip}
      onFocus={tooltip ? undefined : wantTooltip}
    >
      <figcaption>
        {title}
        {legend && (
          <span className="chart-legend">
            {legend.map((l) => (
              <span key={l.name}>
                <span className="chart-swatch" style={{ background: l.colour }} aria-hidden="true" />
                {l.name}
              </span>
            ))}
          </span>
        )}
      </figcaption>
      <div className="chart-body">
        {/* Drawn at its known size from the first render: no empty pass before it is measured. */}
        <ResponsiveContainer width="100%" height="100%" {...(size ? { initialDimension: size } : {})}>
          <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--chart-grid)" vertical={false} />
            <XAxis
              dataKey="timestamp"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={time}
              tick={{ fontSize: 11, fill: 'var(--text-muted)' }}
              minTickGap={40}
            />
            <YAxis
              tickFormatter={yFormat}
              tick={{ fontSize: 11, fill: 'var(--text-muted)' }}
              width={58}
              domain={domain}
            />
            {tooltip && (
              <Tooltip
                labelFormatter={(l) => time(Number(l))}
                formatter={(v) => (typeof v === 'number' ? yFormat(v) : String(v))}
              />
            )}
            {children}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

const LATENCY_LEGEND = [
  { name: 'p50', colour: 'var(--chart-p50)' },
  { name: 'p95', colour: 'var(--chart-p95)' },
  { name: 'p99', colour: 'var(--chart-p99)' },
];

/** How many charts are drawn: one more per task, so no single task draws all three. */
function useStaggered(total: number): number {
  const [shown, setShown] = useState(1);
  useEffect(() => {
    if (shown >= total) return;
    const t = setTimeout(() => startTransition(() => setShown((n) => n + 1)), 0);
    return () => clearTimeout(t);
  }, [shown, total]);
  return shown;
}

export function GoldenCharts({ points, size }: { points: GoldenPoint[]; size?: ChartSize }) {
  const common = { isAnimationActive: false, dot: false, connectNulls: false, strokeWidth: 2 } as const;
  const shown = useStaggered(CHART_TITLES.length);
  const charts = [
    <Chart
      key="success"
      title={CHART_TITLES[0]}
      points={points}
      size={size}
      yFormat={(v) => formatPercent(v)}
      domain={[0, 1]}
    >
      <Line {...common} type="monotone" dataKey="successRate" name="Success" stroke="var(--healthy)" />
    </Chart>,
    <Chart key="rps" title={CHART_TITLES[1]} points={points} size={size} yFormat={(v) => formatRps(v)}>
      <Line {...common} type="monotone" dataKey="rps" name="RPS" stroke="var(--progress)" />
    </Chart>,
    <Chart
      key="latency"
      title={CHART_TITLES[2]}
      points={points}
      size={size}
      yFormat={(v) => formatLatency(v)}
      legend={LATENCY_LEGEND}
    >
      <Line {...common} type="monotone" dataKey="latencyP50Ms" name="p50" stroke="var(--chart-p50)" />
      <Line {...common} type="monotone" dataKey="latencyP95Ms" name="p95" stroke="var(--chart-p95)" />
      <Line {...common} type="monotone" dataKey="latencyP99Ms" name="p99" stroke="var(--chart-p99)" />
    </Chart>,
  ];
  return (
    <div className="charts">
      {charts.map((chart, i) =>
        i < shown ? chart : <ChartFrame key={CHART_TITLES[i]} title={CHART_TITLES[i] ?? ''} />,
      )}
    </div>
  );
}
