// Ctrl-C of `npm run controller` (SIGINT to the terminal's whole process group) stops
// every pod, every time: ten starts and stops of three namespaces, after each of which
// the state file lists no pod and no recorded process still runs.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isAlive, type ProcRef } from '../src/platform/local/processes.ts';
import { podRecords, REPO_ROOT, recordedProcesses, reserveOctet, waitFor } from './demo-harness.ts';

const NAMESPACES = 3;
const ROUNDS = 10;
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

let dir: string;
let octet: number;
const started: Array<{ pid: number; exited: Promise<void> }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weft-ctrl-c-'));
  mkdirSync(join(dir, 'manifests'));
  for (let i = 1; i <= NAMESPACES; i++)
    writeFileSync(join(dir, 'manifests', `lab${i}.yaml`), manifest(`lab${i}`));
  octet = await reserveOctet();
});

afterAll(async () => {
  // A failed round may leave its controller running: stop it and what it started.
  for (const c of started) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {}
  }
  for (const ref of recordedProcesses(join(dir, 'state'))) {
    try {
      if (isAlive(ref)) process.kill(-ref.pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** One `npm run controller` in its own process group, as a terminal runs it. */
function startNpmController() {
  const child = spawn('npm', ['run', '-s', 'controller'], {
    cwd: REPO_ROOT,
    detached: true,
    env: {
      ...process.env,
      WEFT_API_ADDR: '127.0.0.1:0',
      WEFT_STATE_DIR: join(dir, 'state'),
      WEFT_LOCAL_POD_OCTET: String(octet),
      WEFT_LOCAL_MANIFESTS: join(dir, 'manifests'),
      WEFT_LOCAL_WORKDIR: dir,
    },
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
  started.push({ pid: child.pid as number, exited });
  return { child, exited, output: () => out };
}

it(`stops every pod on Ctrl-C of npm run controller, ${ROUNDS} times in a row at ${NAMESPACES} namespaces`, async () => {
  const stateDir = join(dir, 'state');
  for (let round = 1; round <= ROUNDS; round++) {
    const c = startNpmController();
    const pods = await waitFor(
      `round ${round}: ${NAMESPACES} ready pods in the state file`,
      () => {
        if (c.child.exitCode !== null) throw new Error(`controller exited: ${c.output()}`);
        const records = podRecords(stateDir);
        return records.length === NAMESPACES && records.every((p) => p.ready) ? records : undefined;
      },
      60_000,
    );
    const processes: ProcRef[] = recordedProcesses(stateDir);
    expect(processes.length, `round ${round}`).toBeGreaterThanOrEqual(pods.length);

    process.kill(-(c.child.pid as number), 'SIGINT'); // what Ctrl-C in a terminal does
    await Promise.race([
      c.exited,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`round ${round}: still running 30 s after SIGINT`)), 30_000),
      ),
    ]);

    const left = processes.filter((r) => isAlive(r)).map((r) => r.pid);
    expect(left, `round ${round}: processes left running\n${c.output()}`).toEqual([]);
    expect(podRecords(stateDir), `round ${round}: pods still listed`).toEqual([]);
  }
}, 600_000);
