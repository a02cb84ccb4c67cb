/**
 * Reading a proxy's counters from its admin `/metrics` (Prometheus text) during a
 * benchmark, to explain a figure (connections opened per request, say).
 */
import http from 'node:http';

/** GETs `/metrics` from 127.0.0.1:port; empty text when it does not answer. */
export function fetchMetrics(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/metrics', agent: false, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve(text));
        res.on('error', () => resolve(''));
      },
    );
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
}

/** Sums the samples of `name` whose label set contains every `key="value"` of `match`. */
export function sumSamples(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  const wanted = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!wanted.every((w) => line.includes(w))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}
