'use client';
/**
 * The golden-metric charts, split out of the workload page's first bundle: Recharts is
 * the page's largest dependency, so it is fetched and run only after the page is
 * interactive, behind frames of the same size (the layout does not shift when they
 * draw).
 */
import dynamic from 'next/dynamic';

const TITLES = ['Success rate', 'Requests per second', 'Latency'] as const;

function ChartFrames() {
  return (
    <div className="charts" aria-busy="true">
      {TITLES.map((t) => (
        <figure key={t} className="chart">
          <figcaption>{t}</figcaption>
          <div className="chart-body" />
        </figure>
      ))}
    </div>
  );
}

export const LazyGoldenCharts = dynamic(() => import('./golden-charts.tsx').then((m) => m.GoldenCharts), {
  ssr: false,
  loading: ChartFrames,
});
