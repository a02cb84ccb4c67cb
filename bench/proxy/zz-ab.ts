import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { totalCpuSeconds } from '/work/main/bench/lib/proc.ts';
import { stopAll } from '/work/main/bench/lib/spawn.ts';
import { twoHopMtls } from '/work/main/bench/proxy/mtls.ts';
import { type BenchContext, startTwoHops } from '/work/main/bench/proxy/paths.ts';

const up = http.createServer((_q, s) => s.end('ok'));
await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
const ctx: BenchContext = {
  repoRoot: '/work/main',
  workDir: mkdtempSync(join(tmpdir(), 'ab-')),
  taskset: process.env.PIN ? 'taskset' : null,
  serverCpu: '0',
  upstreamPort: (up.address() as any).port,
  nginx: null,
  bundle: null,
  log: console.log,
};
// upstream in this process: pin it to core 0 too when PIN
const plain = await startTwoHops(ctx, 'plain');
const mtls = await twoHopMtls.start(ctx);
for (let rep = 0; rep < 3; rep++) {
  for (const [name, p] of [
    ['plain', plain],
    ['mtls', mtls],
  ] as const) {
    const pids = p!.proxyPids();
    const c0 = totalCpuSeconds(pids);
    const { stdout } = await promisify(execFile)('taskset', [
      '-c',
      '1',
      'wrk',
      '-t1',
      '-c50',
      '-d3s',
      '-H',
      `Host: 127.0.0.1:${p!.port}`,
      `http://127.0.0.1:${p!.port}/`,
    ]);
    const c1 = totalCpuSeconds(pids);
    const n = Number(/(\d+) requests in/.exec(stdout)?.[1]);
    console.log(rep, name, 'rps', Math.round(n / 3), 'cpu us/req', (((c1 - c0) * 1e6) / n).toFixed(1));
  }
}
await stopAll();
up.close();
process.exit(0);
