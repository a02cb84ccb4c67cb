/**
 * What one scrape costs the controller: 100 synthetic proxies (another process) scraped by
 * the real Scraper into the real store for ROUNDS rounds; prints the controller's CPU per
 * proxy scrape (HTTP + parse + ingest) and the round's wall time, as medians.
 * Run: `node --import tsx bench/metrics/scrape-cost.ts`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Scraper, type ScrapeSpec } from '../../apps/controller/src/metrics/scraper.ts';
import { MetricsStore } from '../../apps/controller/src/metrics/store.ts';
import { typicalShape } from './synthetic.ts';

const PODS = Number(process.env.PODS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

const child = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./fake-proxies.ts', import.meta.url)), String(PODS)],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake proxies exited with ${code}`)));
  });
  const addresses = JSON.parse(line) as string[];
  const targets: ScrapeSpec[] = addresses.map((address, i) => {
    const s = typicalShape(i);
    return {
      key: `${s.namespace}/${s.pod}`,
      namespace: s.namespace,
      workload: s.deployment,
      pod: s.pod,
      address,
    };
  });
  const store = new MetricsStore({ capacity: 721, maxGroups: 10_000 });
  const scraper = new Scraper({ store, intervalMs: 5000, timeoutMs: 5000, targets: () => targets });
  const cpu: number[] = [];
  const wall: number[] = [];
  await scraper.scrapeOnce(); // warm-up: connections, JIT, first-seen series
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await scraper.scrapeOnce();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / PODS);
  }
  const unhealthy = scraper.status().filter((s) => !s.healthy).length;
  console.log(`proxies=${PODS} rounds=${ROUNDS} unhealthy=${unhealthy} groups=${store.groupCount}`);
  console.log(`scrape+ingest CPU per proxy (median): ${median(cpu).toFixed(0)} µs`);
  console.log(`round wall time for ${PODS} proxies (median): ${median(wall).toFixed(0)} ms`);
} finally {
  child.kill('SIGTERM');
}
