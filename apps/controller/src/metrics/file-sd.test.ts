import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from '@weft/shared';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fileSdGroups,
  prometheusConfig,
  watchFileSd,
  writeFileSd,
  writePrometheusConfig,
} from './file-sd.ts';

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

describe('file-based service discovery', () => {
  it('lists every proxy admin address with namespace, deployment and pod labels', () => {
    expect(
      fileSdGroups([pod('web-2', '127.10.0.3:4191'), pod('web-0', null), pod('web-1', '127.10.0.2:4191')]),
    ).toEqual([
      { targets: ['127.10.0.2:4191'], labels: { namespace: 'demo', deployment: 'web', pod: 'web-1' } },
      { targets: ['127.10.0.3:4191'], labels: { namespace: 'demo', deployment: 'web', pod: 'web-2' } },
    ]);
  });

  it('writes the JSON Prometheus reads, only when it changed, and follows pod events', () => {
    const path = join(dir, 'sub', 'targets.json');
    let pods = [pod('web-1', '127.10.0.2:4191')];
    let listener:
      | ((e: { kind: 'pod'; namespace: string; name: string; workload: string }) => void)
      | undefined;
    const stop = watchFileSd(
      {
        listPods: () => pods,
        watch: (l) => {
          listener = l as typeof listener;
          return () => {
            listener = undefined;
          };
        },
      },
      path,
    );
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveLength(1);
    expect(writeFileSd(path, pods)).toBe(false);
    const mtime = statSync(path).mtimeMs;
    pods = [...pods, pod('web-2', '127.10.0.3:4191')];
    listener?.({ kind: 'pod', namespace: 'demo', name: 'web-2', workload: 'web' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveLength(2);
    expect(statSync(path).mtimeMs).toBeGreaterThanOrEqual(mtime);
    stop();
    expect(listener).toBeUndefined();
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
