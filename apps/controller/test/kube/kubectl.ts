/**
 * Test support: a real `kubectl` pointed at the fake API server, to check the server's
 * fidelity with a client no one here wrote. Installs Debian's `kubernetes-client` when
 * kubectl is missing and we are root.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Why kubectl cannot be used here, or undefined when it can. */
export function ensureKubectl(): string | undefined {
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0) return undefined;
  if (process.getuid?.() !== 0) return 'kubectl is not installed and installing it needs root';
  const r = spawnSync('apt-get', ['install', '-y', 'kubernetes-client'], {
    stdio: 'ignore',
    timeout: 180_000,
  });
  if (r.status !== 0) return 'kubectl is not installed and `apt-get install -y kubernetes-client` failed';
  return undefined;
}

/** Writes a kubeconfig for `server` into `dir`; returns its path. */
export function writeKubeconfig(dir: string, server: string): string {
  const path = join(dir, 'kubeconfig');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server } }],
      users: [{ name: 'test', user: { token: 'test' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'test' } }],
      'current-context': 'fake',
    }),
  );
  return path;
}

/**
 * Runs kubectl to completion (bounded); resolves with its output, stderr included on
 * failure. Asynchronous, since the fake server answers from this same process.
 */
export function kubectl(kubeconfig: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args],
      { encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve(err ? { ok: false, out: `${stdout}${stderr}` } : { ok: true, out: stdout }),
    );
  });
}

/** Starts a long-running kubectl (a watch); `lines` fills as it prints; `stop` ends it. */
export function kubectlStream(kubeconfig: string, args: string[]) {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => lines.push(`stderr: ${chunk.trim()}`));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return {
    lines,
    stop: () => {
      clearTimeout(killer);
      child.kill('SIGTERM');
    },
  };
}
