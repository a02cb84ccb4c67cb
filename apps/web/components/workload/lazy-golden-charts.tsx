'use client';
/**
 * The golden-metric charts, split out of the workload page's first bundle: Recharts is
 * the page's largest dependency, so it is fetched only once the page has hydrated, and
 * drawn in a transition (React renders it in slices, leaving the main thread free to
 * answer input), behind frames of the same size (the layout does not shift when they
 * draw).
 */
import type { GoldenPoint } from '@weft/shared';
import { type ComponentType, startTransition, useEffect, useState } from 'react';
import { CHART_TITLES, ChartFrame } from './chart-frame.tsx';

type Charts = ComponentType<{ points: GoldenPoint[] }>;

export function LazyGoldenCharts({ points }: { points: GoldenPoint[] }) {
  const [Charts, setCharts] = useState<Charts | null>(null);
  useEffect(() => {
    let live = true;
    void import('./golden-charts.tsx').then((m) => {
      if (live) startTransition(() => setCharts(() => m.GoldenCharts));
    });
    return () => {
      live = false;
    };
  }, []);
  if (Charts) return <Charts points={points} />;
  return (
    <div className="charts">
      {CHART_TITLES.map((t) => (
        <ChartFrame key={t} title={t} />
      ))}
    </div>
  );
}
