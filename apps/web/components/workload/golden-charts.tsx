'use client';
/**
 * Golden-metric charts over the chosen window: success rate, requests per second, and
 * latency p50/p95/p99 as lines. Animation is off so the charts draw at once; they are
 * drawn one per task so that no task blocks the page for long.
 */
import type { GoldenPoint } from '@weft/shared';
import { startTransition, useEffect, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatLatency, formatPercent, formatRps } from '../../lib/format.ts';
import { CHART_TITLES, ChartFrame } from './chart-frame.tsx';

const time = (t: number) =>
  new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

interface ChartProps {
  title: string;
  points: GoldenPoint[];
  children: React.ReactNode;
  yFormat: (v: number) => string;
  domain?: [number | string, number | string];
}

function Chart({ title, points, children, yFormat, domain }: ChartProps) {
  return (
    <figure className="chart" aria-label={`${title} chart`}>
      <figcaption>{title}</figcaption>
      <div className="chart-body">
        <ResponsiveContainer width="100%" height="100%">
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
            <Tooltip
              labelFormatter={(l) => time(Number(l))}
              formatter={(v) => (typeof v === 'number' ? yFormat(v) : String(v))}
            />
            {children}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

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

export function GoldenCharts({ points }: { points: GoldenPoint[] }) {
  const common = { isAnimationActive: false, dot: false, connectNulls: false, strokeWidth: 2 } as const;
  const shown = useStaggered(CHART_TITLES.length);
  const charts = [
    <Chart
      key="success"
      title={CHART_TITLES[0]}
      points={points}
      yFormat={(v) => formatPercent(v)}
      domain={[0, 1]}
    >
      <Line {...common} type="monotone" dataKey="successRate" name="Success" stroke="var(--healthy)" />
    </Chart>,
    <Chart key="rps" title={CHART_TITLES[1]} points={points} yFormat={(v) => formatRps(v)}>
      <Line {...common} type="monotone" dataKey="rps" name="RPS" stroke="var(--progress)" />
    </Chart>,
    <Chart key="latency" title={CHART_TITLES[2]} points={points} yFormat={(v) => formatLatency(v)}>
      <Line {...common} type="monotone" dataKey="latencyP50Ms" name="p50" stroke="var(--chart-p50)" />
      <Line {...common} type="monotone" dataKey="latencyP95Ms" name="p95" stroke="var(--chart-p95)" />
      <Line {...common} type="monotone" dataKey="latencyP99Ms" name="p99" stroke="var(--chart-p99)" />
      <Legend verticalAlign="top" height={20} iconSize={10} wrapperStyle={{ fontSize: 12 }} />
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
