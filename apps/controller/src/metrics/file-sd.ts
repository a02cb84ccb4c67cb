/**
 * Prometheus file-based service discovery (`file_sd_configs`): a JSON file listing every
 * meshed pod's proxy admin address with `namespace`, `deployment` and `pod` labels, kept
 * current as pods come and go, so a stock Prometheus can scrape the mesh. Also the scrape
 * configuration to point Prometheus at it (`honor_labels` keeps the proxy's own labels).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * Writes the groups to `path` atomically (temporary file, then rename), only when the
 * content changed. Returns whether it wrote.
 */
export function writeFileSd(path: string, pods: readonly Pod[]): boolean {
  const text = `${JSON.stringify(fileSdGroups(pods), null, 2)}\n`;
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

/** Keeps `path` current with the platform's pods; returns the function that stops it. */
export function watchFileSd(platform: Pick<Platform, 'listPods' | 'watch'>, path: string): () => void {
  const write = () => {
    try {
      writeFileSd(path, platform.listPods());
    } catch {
      // A full disk or a bad path must not stop the controller; the next change retries.
    }
  };
  write();
  return platform.watch((event) => {
    if (event.kind === 'pod') write();
  });
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
