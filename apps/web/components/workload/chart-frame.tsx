/** An empty golden-metric chart frame, the size of a drawn chart: held while it loads. */
export const CHART_TITLES = ['Success rate', 'Requests per second', 'Latency'] as const;

export function ChartFrame({ title }: { title: string }) {
  return (
    <figure className="chart" aria-busy="true">
      <figcaption>{title}</figcaption>
      <div className="chart-body" />
    </figure>
  );
}
