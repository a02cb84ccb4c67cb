/**
 * Ctrl-C tests of the commands a user runs in a terminal (`npm run controller`,
 * `npm start`): K namespaces of one echo workload each, the command started in its own
 * process group as a terminal starts it, SIGINT to that whole group, and then no pod
 * in the state file and no recorded process still running. One round by default;
 * `WEFT_CTRL_C_ROUNDS=10` repeats it (the 10 stops at K = 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isAlive, type ProcRef } from '../src/platform/local/processes.ts';
import { podRecords, REPO_ROOT, recordedProcesses, reserveOctet, waitFor } from './demo-harness.ts';

/** Namespaces meshed-out per round (K). */
export const NAMESPACES = 3;

/** Rounds of start and Ctrl-C: `WEFT_CTRL_C_ROUNDS` (1 to 50), else 1. */
export function ctrlCRounds(): number {
  const n = Number(process.env.WEFT_CTRL_C_ROUNDS ?? '1');
  if (!Number.isInteger(n) || n < 1 || n > 50)
    throw new Error(
      `WEFT_CTRL_C_ROUNDS must be an integer from 1 to 50, got ${process.env.WEFT_CTRL_C_ROUNDS}`,
    );
  return n;
}

const SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(+process.env.PORT, process.env.HOST)`;

function manifest(namespace: string): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: echo, namespace: ${namespace} }
spec:
  replicas: 1
  selector: { matchLabels: { app: echo } }
  template:
    metadata: { labels: { app: echo } }
    spec:
      containers:
        - name: echo
          image: example/echo:1
          command: [node, -e, ${JSON.stringify(SERVER)}]
          ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: echo, namespace: ${namespace} }
spec:
  selector: { app: echo }
  ports: [{ port: 80, targetPort: 8080 }]
`;
}

/** Writes the K namespaces' manifests to `<dir>/manifests`. */
export function writeManifests(dir: string): string {
  const manifests = join(dir, 'manifests');
  mkdirSync(manifests, { recursive: true });
  for (let i = 1; i <= NAMESPACES; i++) writeFileSync(join(manifests, `lab${i}.yaml`), manifest(`lab${i}`));
  return manifests;
}

export interface GroupRun {
  child: ChildProcess;
  exited: Promise<void>;
  output(): string;
}

/** `npm <args>` in its own process group (as a terminal runs a command), output kept. */
export function startNpmGroup(args: string[], env: Record<string, string>): GroupRun {
  const child = spawn('npm', args, {
    cwd: REPO_ROOT,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, output: () => out };
}

/**
 * One round: waits for the K pods to be ready, sends SIGINT to the whole group (what
 * Ctrl-C in a terminal does), waits for the command to exit, and checks that nothing
 * it recorded still runs and that the state file lists no pod.
 */
export async function ctrlCRound(run: GroupRun, stateDir: string, label: string): Promise<void> {
  const pods = await waitFor(
    `${label}: ${NAMESPACES} ready pods in the state file`,
    () => {
      if (run.child.exitCode !== null) throw new Error(`${label}: exited early: ${run.output()}`);
      const records = podRecords(stateDir);
      return records.length === NAMESPACES && records.every((p) => p.ready) ? records : undefined;
    },
    90_000,
  );
  const processes: ProcRef[] = recordedProcesses(stateDir);
  expect(processes.length, label).toBeGreaterThanOrEqual(pods.length);

  process.kill(-(run.child.pid as number), 'SIGINT');
  await Promise.race([
    run.exited,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`${label}: still running 30 s after SIGINT`)), 30_000),
    ),
  ]);

  const left = processes.filter((r) => isAlive(r)).map((r) => r.pid);
  expect(left, `${label}: processes left running\n${run.output()}`).toEqual([]);
  expect(podRecords(stateDir), `${label}: pods still listed`).toEqual([]);
}

/** Kills what a failed round left: the command's group and every recorded process. */
export function killLeftovers(runs: GroupRun[], stateDir: string): void {
  for (const r of runs) {
    try {
      process.kill(-(r.child.pid as number), 'SIGKILL');
    } catch {}
  }
  for (const ref of recordedProcesses(stateDir)) {
    try {
      if (isAlive(ref)) process.kill(-ref.pid, 'SIGKILL');
    } catch {}
  }
}

/**
 * Declares the Ctrl-C test of one command: a temporary directory with the K manifests,
 * a reserved pod octet, `ctrlCRounds()` rounds of `npm <args>` with the controller's
 * environment plus `extraEnv()`, and clean-up of whatever a failed round left.
 */
export function ctrlCTest(
  command: string,
  npmArgs: string[],
  extraEnv: () => Promise<Record<string, string>>,
): void {
  const rounds = ctrlCRounds();
  const runs: GroupRun[] = [];
  let dir: string;
  let manifests: string;
  let octet: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-ctrl-c-'));
    manifests = writeManifests(dir);
    octet = await reserveOctet();
  });

  afterAll(async () => {
    // A failed round may leave its command running: stop it and what it started.
    killLeftovers(runs, join(dir, 'state'));
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it(
    `stops every pod on Ctrl-C of ${command}, ${rounds} time(s) at ${NAMESPACES} namespaces`,
    async () => {
      const stateDir = join(dir, 'state');
      for (let round = 1; round <= rounds; round++) {
        const run = startNpmGroup(npmArgs, {
          ...(await extraEnv()),
          WEFT_STATE_DIR: stateDir,
          WEFT_LOCAL_POD_OCTET: String(octet),
          WEFT_LOCAL_MANIFESTS: manifests,
          WEFT_LOCAL_WORKDIR: dir,
        });
        runs.push(run);
        await ctrlCRound(run, stateDir, `round ${round}`);
      }
    },
    60_000 + rounds * 120_000,
  );
}
