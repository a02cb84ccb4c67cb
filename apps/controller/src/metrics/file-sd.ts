/**
 * Prometheus file-based service discovery (`file_sd_configs`): a JSON file listing every
 * meshed pod's proxy admin address with `namespace`, `deployment` and `pod` labels, kept
 * current as pods come and go, so a stock Prometheus can scrape the mesh. Also the scrape
 * configuration to point Prometheus at it (`honor_labels` keeps the proxy's own labels).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Pod } from '@weft/shared';
import type { Platform } from '../core/platform.ts';

/** One `file_sd_configs` target group. */
export interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Target groups for every pod with a proxy admin address, sorted for stable output. */
export function fileSdGroups(pods: readonly Pod[]): FileSdGroup[] {
  return pods
    .filter((p): p is Pod & { proxyAdmin: string } => p.proxyAdmin !== null)
    .map((p) => ({
      targets: [p.proxyAdmin],
      labels: { namespace: p.namespace, deployment: p.workload, pod: p.name },
    }))
    .sort((a, b) => (a.targets[0] ?? '').localeCompare(b.targets[0] ?? ''));
}

/** The file-SD text for `pods`. */
function fileSdText(pods: readonly Pod[]): string {
  return `${JSON.stringify(fileSdGroups(pods), null, 2)}\n`;
}

/**
 * Writes the groups to `path` once, synchronously and atomically (temporary file, then
 * rename), only when the content changed. Returns whether it wrote.
 */
export function writeFileSd(path: string, pods: readonly Pod[]): boolean {
  const text = fileSdText(pods);
  try {
    if (readFileSync(path, 'utf8') === text) return false;
  } catch {
    // absent: write it
  }
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return true;
}

/**
 * Keeps `path` current with the platform's pods, writing off the event loop (a rollout
 * changes the pods many times a second, and a synchronous write on a busy disk takes
 * milliseconds each): one write at a time, atomic (temporary file, then rename), and
 * events arriving while one is under way coalesce into one more write of the state at
 * that moment, so the file never goes back to an older state. Returns the function that
 * stops it; it resolves once the latest state is on disk.
 */
export function watchFileSd(
  platform: Pick<Platform, 'listPods' | 'watch'>,
  path: string,
  write: (path: string, text: string) => Promise<void> = writeTextAtomic,
): () => Promise<void> {
  /** The text on disk (as far as this writer knows); undefined until first read or written. */
  let onDisk: string | undefined;
  let dirty = true;
  let writing: Promise<void> | null = null;

  const writeOnce = async (): Promise<void> => {
    dirty = false;
    const text = fileSdText(platform.listPods());
    if (onDisk === undefined) onDisk = await readFile(path, 'utf8').catch(() => '');
    if (text === onDisk) return;
    await write(path, text);
    onDisk = text;
  };
  const drain = async (): Promise<void> => {
    while (dirty) {
      try {
        await writeOnce();
      } catch {
        // A full disk or a bad path must not stop the controller; the next change retries.
        onDisk = undefined;
      }
    }
    writing = null;
  };
  const schedule = () => {
    dirty = true;
    writing ??= drain();
  };

  schedule();
  const unwatch = platform.watch((event) => {
    if (event.kind === 'pod') schedule();
  });
  return async () => {
    unwatch();
    // the write under way, then one more with the state at stop time
    await writing;
    dirty = true;
    writing = drain();
    await writing;
  };
}

/** Writes `text` to `path` through a temporary file and a rename, so readers see the old or the new file. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** A Prometheus configuration (YAML) scraping the proxies listed in `fileSdPath`. */
export function prometheusConfig(fileSdPath: string, scrapeIntervalSeconds: number): string {
  return [
    'global:',
    `  scrape_interval: ${scrapeIntervalSeconds}s`,
    `  evaluation_interval: ${scrapeIntervalSeconds}s`,
    'scrape_configs:',
    '  - job_name: weft-proxies',
    '    honor_labels: true',
    `    scrape_timeout: ${Math.max(1, Math.min(10, scrapeIntervalSeconds))}s`,
    '    file_sd_configs:',
    `      - files: [${JSON.stringify(fileSdPath)}]`,
    `        refresh_interval: ${Math.max(1, scrapeIntervalSeconds)}s`,
    '',
  ].join('\n');
}

/**
 * Writes `prometheus.yml` beside the file-SD list, so that
 * `prometheus --config.file=<dir>/prometheus.yml` scrapes the mesh. Returns its path, or
 * undefined when it could not be written (the controller carries on without it).
 */
export function writePrometheusConfig(fileSdPath: string, scrapeIntervalSeconds: number): string | undefined {
  const path = join(dirname(fileSdPath), 'prometheus.yml');
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, prometheusConfig(fileSdPath, Math.max(1, Math.round(scrapeIntervalSeconds))));
    return path;
  } catch {
    return undefined;
  }
}
