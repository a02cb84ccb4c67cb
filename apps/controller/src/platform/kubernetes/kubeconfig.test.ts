import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kubeconfig.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadKubeConfig', () => {
  it('reads the file KUBECONFIG names, with its current context', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-kubeconfig-'));
    dirs.push(dir);
    const path = join(dir, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    expect(loadKubeConfig(path, false).getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('says what is missing outside a cluster without KUBECONFIG', () => {
    expect(() => loadKubeConfig(undefined, false)).toThrow(/needs KUBECONFIG, or running in a cluster/);
  });
});
