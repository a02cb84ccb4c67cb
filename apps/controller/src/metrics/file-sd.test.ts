import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@weft/shared';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fileSdGroups, prometheusConfig, watchFileSd, writePrometheusConfig } from './file-sd.ts';

const dir = mkdtempSync(join(tmpdir(), 'weft-filesd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pod(name: string, proxyAdmin: string | null): Pod {
  return {
    namespace: 'demo',
    name,
    workload: 'web',
    ip: '127.10.0.2',
    phase: 'Running',
    ready: true,
    meshed: proxyAdmin !== null,
    restarts: 0,
    lastExit: null,
    proxyAdmin,
    startedAt: new Date(0).toISOString(),
  };
}

type PodEvent = { kind: 'pod'; namespace: string; name: string; workload: string };

/** A platform whose pod list the test changes, telling the watcher at each change. */
function fakePlatform(initial: Pod[]) {
  let pods = initial;
  let listener: ((e: PodEvent) => void) | undefined;
  const emit = () => listener?.({ kind: 'pod', namespace: 'demo', name: 'x', workload: 'web' });
  return {
    listPods: () => pods,
    watch: (l: (e: never) => void) => {
      listener = l as typeof listener;
      return () => {
        listener = undefined;
      };
    },
    add(p: Pod) {
      pods = [...pods, p];
      emit();
    },
    emit,
    listening: () => listener !== undefined,
  };
}

describe('file-based service discovery', () => {
  it('lists every proxy admin address with namespace, deployment and pod labels', () => {
    expect(
      fileSdGroups([pod('web-2', '127.10.0.3:4191'), pod('web-0', null), pod('web-1', '127.10.0.2:4191')]),
    ).toEqual([
      { targets: ['127.10.0.2:4191'], labels: { namespace: 'demo', deployment: 'web', pod: 'web-1' } },
      { targets: ['127.10.0.3:4191'], labels: { namespace: 'demo', deployment: 'web', pod: 'web-2' } },
    ]);
  });

  it('writes the JSON Prometheus reads, follows pod events, and leaves the latest state on stop', async () => {
    const path = join(dir, 'sub', 'targets.json');
    const platform = fakePlatform([pod('web-1', '127.10.0.2:4191')]);
    const stop = watchFileSd(platform, path);
    await vi.waitFor(() => expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveLength(1));
    for (let i = 2; i <= 40; i++) platform.add(pod(`web-${i}`, `127.10.0.${i + 1}:4191`));
    await stop();
    expect(platform.listening()).toBe(false);
    const groups = JSON.parse(readFileSync(path, 'utf8')) as { labels: { pod: string } }[];
    expect(groups).toHaveLength(40);
    expect(groups.map((g) => g.labels.pod)).toContain('web-40');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['targets.json']); // no temporary file left
  });

  it('writes one file at a time, coalescing a burst of events, and never goes back to an older state', async () => {
    const platform = fakePlatform([]);
    const written: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    let release: (() => void) | undefined;
    const write = async (_path: string, text: string) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => {
        release = r;
      });
      written.push((JSON.parse(text) as unknown[]).length);
      inFlight -= 1;
    };
    const stop = watchFileSd(platform, join(dir, 'fake', 'targets.json'), write);
    await vi.waitFor(() => expect(release).toBeDefined()); // the first write is under way
    for (let i = 1; i <= 50; i++) platform.add(pod(`web-${i}`, `127.10.1.${i}:4191`));
    const stopped = stop();
    while (inFlight > 0 || written.length < 2) {
      release?.();
      await new Promise((r) => setImmediate(r));
    }
    await stopped;
    expect(maxInFlight).toBe(1);
    expect(written).toEqual([0, 50]); // the state at the first write, then the latest one
  });

  it('does not rewrite an unchanged file', async () => {
    const path = join(dir, 'same', 'targets.json');
    const platform = fakePlatform([pod('web-1', '127.10.0.2:4191')]);
    await watchFileSd(platform, path)();
    let writes = 0;
    const stop = watchFileSd(platform, path, async () => {
      writes += 1;
    });
    platform.emit();
    await stop();
    expect(writes).toBe(0);
  });

  it('gives a scrape config pointing at the file and honouring the proxies labels', () => {
    const yaml = prometheusConfig('/x/targets.json', 5);
    expect(yaml).toContain('scrape_interval: 5s');
    expect(yaml).toContain('honor_labels: true');
    expect(yaml).toContain('files: ["/x/targets.json"]');
    const written = writePrometheusConfig(join(dir, 'p', 'targets.json'), 2);
    expect(written).toBe(join(dir, 'p', 'prometheus.yml'));
    expect(readFileSync(written ?? '', 'utf8')).toContain('scrape_interval: 2s');
  });
});
