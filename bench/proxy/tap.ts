/**
 * What live tap costs, side by side in one run:
 *
 *   oneHopBaseline  one inbound hop from the proxy's sources before tap existed
 *                   (`WEFT_BENCH_BASELINE_ROOT`: a checkout of that commit whose
 *                   `node_modules` links to this repository's; skipped without it)
 *   oneHop          the same hop now, nobody tapping (the request path's one boolean check)
 *   oneHopTapped    the same hop with one tap open reading every request (at its
 *                   default 100 events per second; the rest are counted, not built twice)
 */
import { request } from 'node:http';
import type { PathSpec } from './paths.ts';
import { startWeft } from './weft.ts';

export const oneHopBaseline: PathSpec = {
  key: 'oneHopBaseline',
  label: 'Weft, one hop, before tap',
  async start(ctx) {
    const root = process.env.WEFT_BENCH_BASELINE_ROOT;
    if (!root) {
      ctx.log('oneHopBaseline skipped: set WEFT_BENCH_BASELINE_ROOT to a checkout of the commit before tap');
      return null;
    }
    const p = await startWeft({
      repoRoot: root,
      workDir: ctx.workDir,
      name: 'one-hop-baseline',
      bundle: null,
      taskset: ctx.taskset,
      cpu: ctx.serverCpu,
      appPort: ctx.upstreamPort,
    });
    return { port: p.inboundPort, proxyPids: () => [p.proc.pid], adminPorts: [p.adminPort] };
  },
};

export const oneHopTapped: PathSpec = {
  key: 'oneHopTapped',
  label: 'Weft, one hop, one tap open',
  async start(ctx) {
    const p = await startWeft({
      repoRoot: ctx.repoRoot,
      workDir: ctx.workDir,
      name: 'one-hop-tapped',
      bundle: ctx.bundle,
      taskset: ctx.taskset,
      cpu: ctx.serverCpu,
      appPort: ctx.upstreamPort,
    });
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: p.adminPort, path: '/tap', agent: false }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`tap refused: ${res.statusCode}`));
        res.resume(); // read and discard, until the proxy stops
        res.on('error', () => {});
        resolve();
      });
      req.on('error', (err) => reject(err));
      req.end();
    });
    return { port: p.inboundPort, proxyPids: () => [p.proc.pid], adminPorts: [p.adminPort] };
  },
};
