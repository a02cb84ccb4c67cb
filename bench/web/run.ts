/**
 * `npm run bench:web`: times the topology view in Chromium on a generated mesh of 300
 * services and 1,000 edges (the dashboard's benchmark-only route, fed by a fixture):
 * time to the first full render after navigation, and to the re-render after a
 * namespace filter change and after clearing it, and the frame rate of a 2 s pan and a
 * 2 s zoom of the whole mesh and of pans begun zoomed in (pan-zoom.ts), each as a ratio
 * to issue 15's goals; then
 * Lighthouse (desktop preset) on every page against the running demo (lighthouse.ts),
 * scores as ratios to the goals;
 * then the policy page of a Service with 50 routes, time to interactive against the
 * 1 s goal (policy-page.ts). Builds the dashboard first unless `--no-build`;
 * `--only=topology`, `--only=lighthouse` or `--only=policy` runs one part. Prints the
 * medians and writes bench/results/web.json, web-lighthouse.json and web-policy.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../e2e/support/chromium.ts';
import { freePort, waitForHttp } from '../../e2e/support/processes.ts';
import { auditPages, GOALS } from './lighthouse.ts';
import { busyMs, GESTURE_MS, panAndZoom, panAt, TARGET_FPS } from './pan-zoom.ts';
import { plainPanePanAndZoom } from './plain-pane.ts';
import { timePolicyPage } from './policy-page.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = join(ROOT, 'bench/results/web.json');
const LIGHTHOUSE_RESULTS = join(ROOT, 'bench/results/web-lighthouse.json');
const POLICY_RESULTS = join(ROOT, 'bench/results/web-policy.json');
/** The goal of issue 12: a Service's policy page with 50 routes interactive in under 1 s. */
const POLICY_PAGE_GOAL_MS = 1000;
const PARTS = ['topology', 'lighthouse', 'policy'];
const LIGHTHOUSE_RUNS = Number(process.env.WEFT_BENCH_LIGHTHOUSE_RUNS ?? 3);
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const SERVICES = 300;
const EDGES = 1000;
const RUNS = Number(process.env.WEFT_BENCH_RUNS ?? 5);
const FILTER_NAMESPACE = 'shop';
/** The reference graph for frame rates: small enough that the machine, not the graph, sets them. */
const REFERENCE_SERVICES = 10;
/** Scales the view is zoomed to (about the graph's centre) before a further pan each. */
const PAN_ZOOMS = ['0.3', '0.5'] as const;
/** Main-thread time a frame may take at 60 fps, ms. */
const FRAME_BUDGET_MS = 1000 / 60;
/** The goals of issue 15 for the topology at 300 services / 1,000 edges. */
const TOPOLOGY_GOALS = { firstRenderMs: 1000, filterMs: 300, fps: TARGET_FPS } as const;

interface Render {
  at: number;
  nodes: number;
  edges: number;
  domNodes: number;
  engine: 'elk' | 'rank';
  layoutMs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function renders(page: Page): Promise<Render[]> {
  return page.evaluate(
    () => (globalThis as unknown as { __weftBench?: { renders: Render[] } }).__weftBench?.renders ?? [],
  );
}

/** Waits for render number `count` and returns it. */
async function nthRender(page: Page, count: number): Promise<Render> {
  await page.waitForFunction(
    (n) =>
      ((globalThis as unknown as { __weftBench?: { renders: unknown[] } }).__weftBench?.renders.length ??
        0) >= n,
    count,
    { timeout: 60_000 },
  );
  return (await renders(page))[count - 1] as Render;
}

/** Changes the namespace filter and returns the milliseconds until the new shape is drawn. */
async function timeFilter(page: Page, value: string, renderNumber: number): Promise<Render & { ms: number }> {
  const t0 = await page.evaluate(() => performance.now());
  await page.getByRole('combobox', { name: 'Namespace filter' }).selectOption(value);
  const r = await nthRender(page, renderNumber);
  return { ...r, ms: r.at - t0 };
}

async function main() {
  if (ONLY !== undefined && !PARTS.includes(ONLY)) {
    throw new Error(`--only must be one of ${PARTS.join(', ')}, not ${JSON.stringify(ONLY)}`);
  }
  if (!process.argv.includes('--no-build')) {
    console.log('[bench:web] building the dashboard…');
    const b = spawnSync('npm', ['run', '-s', 'build', '--workspace', '@weft/web'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (b.status !== 0) throw new Error('the dashboard build failed');
  }
  if (ONLY === undefined || ONLY === 'topology') await topologyTimings();
  if (ONLY === undefined || ONLY === 'lighthouse') await lighthouseScores();
  if (ONLY === undefined || ONLY === 'policy') await policyPageTimings();
}

/** Time to interactive of the policy page of a Service with 50 routes, against the goal. */
async function policyPageTimings() {
  console.log(`[bench:web] the policy page of a Service with 50 routes, ${RUNS} loads…`);
  const t = await timePolicyPage(RUNS, ROOT, (l) => console.log(l));
  const interactive = Math.round(median(t.interactiveMs));
  const result = {
    benchmark: 'web-policy-page',
    routes: t.routes,
    runs: RUNS,
    unit: 'ms',
    goalMs: POLICY_PAGE_GOAL_MS,
    medians: { interactive, busy: Math.round(median(t.busyMs)) },
    /** goal / median: 1 or more meets the goal. */
    ratioToGoal: Number((POLICY_PAGE_GOAL_MS / interactive).toFixed(2)),
    samples: t,
    notes: [
      'interactive: from navigation start until all 50 rules are drawn, the weight slider is enabled and the YAML editor is mounted',
      'busy: main-thread busy time (Chrome TaskDuration) until then',
    ],
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg1m: loadavg()[0] },
    at: new Date().toISOString(),
  };
  mkdirSync(dirname(POLICY_RESULTS), { recursive: true });
  writeFileSync(POLICY_RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `[bench:web] policy page with ${t.routes} routes: interactive in ${interactive} ms (median; goal ${POLICY_PAGE_GOAL_MS} ms, ratio ${result.ratioToGoal}), main thread busy ${result.medians.busy} ms`,
  );
  console.log(`[bench:web] wrote ${POLICY_RESULTS}`);
}

/** Lighthouse's desktop scores per page, as ratios to the goals. */
async function lighthouseScores() {
  console.log(`[bench:web] Lighthouse ${LIGHTHOUSE_RUNS}× per page (desktop preset) against the demo…`);
  // WEFT_BENCH_LIGHTHOUSE_REPORTS=dir keeps every full report (JSON) there, to see what costs.
  const pages = await auditPages(
    LIGHTHOUSE_RUNS,
    ROOT,
    (l) => console.log(l),
    process.env.WEFT_BENCH_LIGHTHOUSE_REPORTS,
    // WEFT_BENCH_LIGHTHOUSE_PAGES=workload,topology audits only those pages.
    process.env.WEFT_BENCH_LIGHTHOUSE_PAGES?.split(','),
  );
  const result = {
    benchmark: 'web-lighthouse',
    preset: 'desktop',
    goals: GOALS,
    runsPerPage: LIGHTHOUSE_RUNS,
    pages,
    allMeetGoals: pages.every((p) => p.performanceRatio >= 1 && p.accessibilityRatio >= 1),
    notes: [
      'each page: the run with the median performance score',
      'ratios: score / goal (performance 95, accessibility 100); 1 or more meets the goal',
      'scores on a shared, loaded machine vary from run to run; compare ratios taken in one run',
    ],
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg1m: loadavg()[0] },
    at: new Date().toISOString(),
  };
  mkdirSync(dirname(LIGHTHOUSE_RESULTS), { recursive: true });
  writeFileSync(LIGHTHOUSE_RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  for (const p of pages) {
    console.log(
      `[bench:web] ${p.page.padEnd(10)} performance ${p.performance} (${p.performanceRatio.toFixed(2)} of goal), accessibility ${p.accessibility} (${p.accessibilityRatio.toFixed(2)} of goal), TBT ${p.totalBlockingTimeMs} ms${p.failedRuns.length ? `; ${p.failedRuns.length} failed run(s): ${p.failedRuns.join('; ')}` : ''}`,
    );
  }
  console.log(`[bench:web] wrote ${LIGHTHOUSE_RESULTS}`);
}

/** The topology view's render timings on the generated mesh. */
async function topologyTimings() {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      join(ROOT, 'node_modules/next/dist/bin/next'),
      'start',
      join(ROOT, 'apps/web'),
      '-H',
      '127.0.0.1',
      '-p',
      String(port),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      // No controller is needed: the route renders generated data. Point at a closed port.
      env: {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: '1',
        WEFT_WEB_BENCH: '1',
        CONTROLLER_URL: 'http://127.0.0.1:9',
      },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const samples = {
    firstRender: [] as number[],
    filterToNamespace: [] as number[],
    filterToAll: [] as number[],
    layoutFirst: [] as number[],
    layoutNamespace: [] as number[],
    busyFirst: [] as number[],
    busyNamespace: [] as number[],
    panFps: [] as number[],
    zoomFps: [] as number[],
    panWorstFrame: [] as number[],
    zoomWorstFrame: [] as number[],
    busyPan: [] as number[],
    busyZoom: [] as number[],
    panBusyPerFrame: [] as number[],
    zoomBusyPerFrame: [] as number[],
    referencePanFps: [] as number[],
    referenceZoomFps: [] as number[],
    plainPanFps: [] as number[],
    plainZoomFps: [] as number[],
    /** Pans begun zoomed in, by scale: only part of the graph in view. */
    panZoomed: Object.fromEntries(
      PAN_ZOOMS.map((z) => [
        z,
        { fps: [] as number[], worstFrame: [] as number[], busyPerFrame: [] as number[] },
      ]),
    ),
  };
  let shown: { all: Render | null; namespace: Render | null } = { all: null, namespace: null };
  try {
    await waitForHttp(`${base}/bench/topology?services=1&edges=0`, 30_000);
    const url = `${base}/bench/topology?services=${SERVICES}&edges=${EDGES}`;
    // One warm-up run so the server's first-request compilation is not measured.
    {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(url);
      await nthRender(page, 1);
      await page.close();
    }
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
      await page.goto(url);
      const first = await nthRender(page, 1);
      const busyFirst = await busyMs(cdp);
      if (first.nodes !== SERVICES || first.domNodes !== SERVICES) {
        throw new Error(
          `expected ${SERVICES} workloads drawn, saw ${first.nodes} (${first.domNodes} in the DOM)`,
        );
      }
      const toNs = await timeFilter(page, FILTER_NAMESPACE, 2);
      const busyNs = (await busyMs(cdp)) - busyFirst;
      const toAll = await timeFilter(page, '', 3);
      const { pan, zoom } = await panAndZoom(page, cdp);
      samples.panFps.push(pan.fps);
      samples.zoomFps.push(zoom.fps);
      samples.panWorstFrame.push(pan.worstFrameMs);
      samples.zoomWorstFrame.push(zoom.worstFrameMs);
      samples.busyPan.push(pan.busyMs);
      samples.busyZoom.push(zoom.busyMs);
      samples.panBusyPerFrame.push(pan.busyPerFrameMs);
      samples.zoomBusyPerFrame.push(zoom.busyPerFrameMs);
      const zoomed: string[] = [];
      for (const z of PAN_ZOOMS) {
        const p = await panAt(page, cdp, Number(z));
        const s = samples.panZoomed[z] as { fps: number[]; worstFrame: number[]; busyPerFrame: number[] };
        s.fps.push(p.fps);
        s.worstFrame.push(p.worstFrameMs);
        s.busyPerFrame.push(p.busyPerFrameMs);
        zoomed.push(
          `pan at zoom ${z} ${p.fps} fps (busy ${p.busyPerFrameMs} ms a frame, worst ${p.worstFrameMs} ms)`,
        );
      }
      // The same gestures on a graph of 10 workloads: the frame rate this machine allows
      // right now, whatever the graph.
      const small = await context.newPage();
      const smallCdp = await context.newCDPSession(small);
      await smallCdp.send('Performance.enable', { timeDomain: 'threadTicks' });
      await small.goto(`${base}/bench/topology?services=${REFERENCE_SERVICES}&edges=0`);
      await nthRender(small, 1);
      const reference = await panAndZoom(small, smallCdp);
      samples.referencePanFps.push(reference.pan.fps);
      samples.referenceZoomFps.push(reference.zoom.fps);
      // And on a plain page with no graph: what headless Chromium and the driver allow.
      const plain = await plainPanePanAndZoom(context);
      samples.plainPanFps.push(plain.pan.fps);
      samples.plainZoomFps.push(plain.zoom.fps);
      samples.busyFirst.push(busyFirst);
      samples.busyNamespace.push(busyNs);
      samples.firstRender.push(first.at);
      samples.filterToNamespace.push(toNs.ms);
      samples.filterToAll.push(toAll.ms);
      samples.layoutFirst.push(first.layoutMs);
      samples.layoutNamespace.push(toNs.layoutMs);
      shown = { all: first, namespace: toNs };
      console.log(
        `[bench:web] run ${i + 1}: first render ${first.at.toFixed(0)} ms (layout ${first.layoutMs.toFixed(0)} ms, ${first.engine}), filter to ${FILTER_NAMESPACE} ${toNs.ms.toFixed(0)} ms (layout ${toNs.layoutMs.toFixed(0)} ms, ${toNs.engine}), back to all ${toAll.ms.toFixed(0)} ms; main thread busy ${busyFirst.toFixed(0)} / ${busyNs.toFixed(0)} ms; pan ${pan.fps} fps (busy ${pan.busyPerFrameMs} ms a frame, worst frame ${pan.worstFrameMs} ms), zoom ${zoom.fps} fps (busy ${zoom.busyPerFrameMs} ms a frame, worst ${zoom.worstFrameMs} ms); ${zoomed.join(', ')}; ${REFERENCE_SERVICES} workloads: pan ${reference.pan.fps} fps, zoom ${reference.zoom.fps} fps; plain page: pan ${plain.pan.fps} fps, zoom ${plain.zoom.fps} fps`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    server.kill('SIGTERM');
  }
  const medians = {
    firstRender: Math.round(median(samples.firstRender)),
    filterToNamespace: Math.round(median(samples.filterToNamespace)),
    filterToAll: Math.round(median(samples.filterToAll)),
    layoutFirst: Math.round(median(samples.layoutFirst)),
    layoutNamespace: Math.round(median(samples.layoutNamespace)),
    busyFirst: Math.round(median(samples.busyFirst)),
    busyNamespace: Math.round(median(samples.busyNamespace)),
    panFps: median(samples.panFps),
    zoomFps: median(samples.zoomFps),
    panWorstFrame: median(samples.panWorstFrame),
    zoomWorstFrame: median(samples.zoomWorstFrame),
    busyPan: median(samples.busyPan),
    busyZoom: median(samples.busyZoom),
    panBusyPerFrame: median(samples.panBusyPerFrame),
    zoomBusyPerFrame: median(samples.zoomBusyPerFrame),
    referencePanFps: median(samples.referencePanFps),
    referenceZoomFps: median(samples.referenceZoomFps),
    plainPanFps: median(samples.plainPanFps),
    plainZoomFps: median(samples.plainZoomFps),
    panZoomed: Object.fromEntries(
      Object.entries(samples.panZoomed).map(([z, s]) => [
        z,
        { fps: median(s.fps), worstFrame: median(s.worstFrame), busyPerFrame: median(s.busyPerFrame) },
      ]),
    ),
  };
  const ratio = (x: number) => Number(x.toFixed(2));
  const result = {
    benchmark: 'web-topology',
    mesh: { services: SERVICES, edges: EDGES },
    runs: RUNS,
    unit: 'ms',
    medians,
    goals: TOPOLOGY_GOALS,
    /** 1 or more meets the goal: goal / median for times, median / goal for frame rates. */
    ratiosToGoals: {
      firstRender: ratio(TOPOLOGY_GOALS.firstRenderMs / medians.firstRender),
      filterToNamespace: ratio(TOPOLOGY_GOALS.filterMs / medians.filterToNamespace),
      panFps: ratio(medians.panFps / TOPOLOGY_GOALS.fps),
      zoomFps: ratio(medians.zoomFps / TOPOLOGY_GOALS.fps),
      /** The frame budget at 60 fps over the main-thread busy time per frame. */
      panFrameBudget: ratio(FRAME_BUDGET_MS / medians.panBusyPerFrame),
      zoomFrameBudget: ratio(FRAME_BUDGET_MS / medians.zoomBusyPerFrame),
      /** The mesh's frame rate over the 10-workload graph's in the same runs. */
      panFpsVsReference: ratio(medians.panFps / medians.referencePanFps),
      zoomFpsVsReference: ratio(medians.zoomFps / medians.referenceZoomFps),
      /** The mesh's frame rate over a plain page's moved by the same driver (plain-pane.ts). */
      panFpsVsPlain: ratio(medians.panFps / medians.plainPanFps),
      zoomFpsVsPlain: ratio(medians.zoomFps / medians.plainZoomFps),
      /** Pans begun zoomed in, by scale. */
      panZoomedFps: Object.fromEntries(
        Object.entries(medians.panZoomed).map(([z, m]) => [z, ratio(m.fps / TOPOLOGY_GOALS.fps)]),
      ),
    },
    samples,
    drawn: {
      all: shown.all && { nodes: shown.all.nodes, edges: shown.all.edges, engine: shown.all.engine },
      namespace: shown.namespace && {
        nodes: shown.namespace.nodes,
        edges: shown.namespace.edges,
        engine: shown.namespace.engine,
      },
    },
    notes: [
      'firstRender: from navigation start to every workload drawn at its laid-out position (includes page load, hydration, data generation, layout and paint)',
      `filterToNamespace: namespace filter set to "${FILTER_NAMESPACE}" (its workloads and their direct peers) until drawn`,
      'filterToAll: filter cleared until the whole mesh is drawn again (layout cached)',
      'layoutFirst / layoutNamespace: the layout alone, within the two renders above',
      'busyFirst / busyNamespace: main-thread busy time (Chrome TaskDuration) for the first render and the filter change: less sensitive to other load on the machine than wall time',
      `panFps / zoomFps: frames drawn during a ${GESTURE_MS / 1000} s drag of the whole mesh in a circle, and a ${GESTURE_MS / 1000} s wheel zoom in then out, one gesture step per frame (pan-zoom.ts); worst frame: the longest gap between two frames; busyPan / busyZoom: main-thread busy time during each, and per frame (panBusyPerFrame / zoomBusyPerFrame; 60 fps needs 16.7 ms or less); referencePanFps / referenceZoomFps: the same gestures on a graph of ${REFERENCE_SERVICES} workloads in the same run, the rate the machine's load allows; plainPanFps / plainZoomFps: the same gestures on a plain page with no graph (plain-pane.ts), the ceiling of headless Chromium and the driver`,
      `panZoomed: after the zoom, the view zoomed to each of ${PAN_ZOOMS.join(' and ')} about the graph's centre by one wheel event, left to settle, then the same ${GESTURE_MS / 1000} s pan: only part of the graph is in view; fps, worst frame and main-thread busy time per frame as above`,
    ],
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg1m: loadavg()[0] },
    at: new Date().toISOString(),
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `[bench:web] medians over ${RUNS} runs: first render ${medians.firstRender} ms (goal ${TOPOLOGY_GOALS.firstRenderMs}, ratio ${result.ratiosToGoals.firstRender}), filter change ${medians.filterToNamespace} ms (goal ${TOPOLOGY_GOALS.filterMs}, ratio ${result.ratiosToGoals.filterToNamespace}), filter cleared ${medians.filterToAll} ms, pan ${medians.panFps} fps, zoom ${medians.zoomFps} fps (goal ${TOPOLOGY_GOALS.fps}; ${REFERENCE_SERVICES} workloads: ${medians.referencePanFps} / ${medians.referenceZoomFps} fps; plain page: ${medians.plainPanFps} / ${medians.plainZoomFps} fps), main thread ${medians.panBusyPerFrame} / ${medians.zoomBusyPerFrame} ms a frame (budget ${FRAME_BUDGET_MS.toFixed(1)}); ${Object.entries(
      medians.panZoomed,
    )
      .map(
        ([z, m]) => `pan at zoom ${z} ${m.fps} fps, ${m.busyPerFrame} ms a frame, worst ${m.worstFrame} ms`,
      )
      .join('; ')}`,
  );
  console.log(`[bench:web] wrote ${RESULTS}`);
}

main().catch((err: unknown) => {
  console.error(`[bench:web] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
