'use client';
/**
 * The golden-metric charts, split out of the workload page's first bundle: Recharts is
 * the page's largest dependency, so it is fetched only once the page has hydrated, and
 * drawn in a transition (React renders it in slices, leaving the main thread free to
 * answer input), behind frames of the same size (the layout does not shift when they
 * draw). The frames' measured size is handed to the charts, so they draw fully in that
 * first, sliced render instead of in a second, unsliced one once their container has
 * measured itself.
 */
import type { GoldenPoint } from '@weft/shared';
import { type ComponentType, startTransition, useEffect, useRef, useState } from 'react';
import { CHART_TITLES, ChartFrame } from './chart-frame.tsx';
import type { ChartSize } from './golden-charts.tsx';

type Charts = ComponentType<{ points: GoldenPoint[]; size?: ChartSize }>;

/** The drawing area of the first frame under `root`, if it has one. */
function frameSize(root: HTMLElement | null): ChartSize | undefined {
  const body = root?.querySelector('.chart-body')?.getBoundingClientRect();
  if (!body || body.width <= 0 || body.height <= 0) return undefined;
  return { width: Math.round(body.width), height: Math.round(body.height) };
}

export function LazyGoldenCharts({ points }: { points: GoldenPoint[] }) {
  const [loaded, setLoaded] = useState<{ Charts: Charts; size: ChartSize | undefined } | null>(null);
  const frames = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let live = true;
    void import('./golden-charts.tsx').then((m) => {
      const size = frameSize(frames.current);
      if (live) startTransition(() => setLoaded({ Charts: m.GoldenCharts, size }));
    });
    return () => {
      live = false;
    };
  }, []);
  if (loaded) return <loaded.Charts points={points} size={loaded.size} />;
  return (
    <div className="charts" ref={frames}>
      {CHART_TITLES.map((t) => (
        <ChartFrame key={t} title={t} />
      ))}
    </div>
  );
}
