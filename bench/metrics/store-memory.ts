/**
 * The embedded store's memory at 100 pods × 1 h at 5 s resolution (720 scrape rounds),
 * every pod with 3 inbound clients and 3 outbound destinations in 3 status codes each.
 * Prints the bounded ring bytes the store accounts for and the process' measured growth
 * (heap + array buffers after GC). Run: `node --expose-gc --import tsx bench/metrics/store-memory.ts`.
 */
import { parseExposition } from '../../apps/controller/src/metrics/exposition.ts';
import { INGESTED_NAMES, MetricsStore, maxGroupsFor } from '../../apps/controller/src/metrics/store.ts';
import { proxyText, typicalShape } from './synthetic.ts';

const PODS = Number(process.env.PODS ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 720);
const gc = (globalThis as { gc?: () => void }).gc;

function used(): number {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const before = used();
const store = new MetricsStore({ capacity: 721, maxGroups: maxGroupsFor(64 * 1024 * 1024, 721) });
const shapes = Array.from({ length: PODS }, (_, i) => typicalShape(i));
const accept = (n: string) => INGESTED_NAMES.has(n);
for (let r = 0; r < ROUNDS; r++) {
  const tick = store.beginTick(1_764_300_000_000 + r * 5000);
  for (const s of shapes) {
    store.ingest(
      `${s.namespace}/${s.pod}`,
      { namespace: s.namespace, workload: s.deployment, pod: s.pod },
      tick,
      parseExposition(proxyText(s, r), accept),
    );
  }
}
const after = used();
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log(`pods=${PODS} rounds=${ROUNDS} groups=${store.groupCount}`);
console.log(`store ring bytes (bounded part): ${mb(store.ringBytes)} MB`);
console.log(
  `measured growth (heap + array buffers after GC): ${gc ? mb(after - before) : 'n/a (run with --expose-gc)'} MB`,
);
console.log(
  `bound (default 64 MB of rings): ${store.maxGroups} groups, ${mb(store.maxGroups * store.capacity * 28 * 4)} MB; dropped samples: ${store.droppedSamples}`,
);
