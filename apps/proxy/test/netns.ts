/**
 * A small lab of Linux network namespaces for capture tests (root only): namespaces and
 * veth pairs addressed from link-local 169.254.0.0/16, commands run inside them, and a
 * teardown that removes every namespace and link it made, bounded in time, even after a
 * failure. Nothing here routes beyond the links it creates.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** Why the lab cannot run here (not root, no `ip` or `iptables`), or null when it can. */
export function labUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'not root: network namespaces and iptables need root';
  if (!existsSync('/usr/sbin/ip') && !existsSync('/sbin/ip')) return 'ip (iproute2) is not installed';
  if (!existsSync('/usr/sbin/iptables') && !existsSync('/sbin/iptables')) {
    // Debian's package, as scripts/lib/ensure.mjs installs it; bounded
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'iptables'], {
      stdio: 'ignore',
      timeout: 180_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0 || !existsSync('/usr/sbin/iptables'))
      return 'iptables is not installed (apt-get install iptables)';
  }
  const probe = `wprobe${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { stdio: 'ignore', timeout: 10_000 });
  if (add.status !== 0) return 'cannot create a network namespace here';
  const nat = spawnSync('ip', ['netns', 'exec', probe, 'iptables', '-t', 'nat', '-S'], {
    stdio: 'ignore',
    timeout: 10_000,
  });
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore', timeout: 10_000 });
  return nat.status === 0 ? null : 'iptables cannot use the nat table in a network namespace here';
}

/** Runs a command (bounded); throws with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, input });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`,
    );
  return r.stdout;
}

export class NetnsLab {
  /** A short random tag keeping names apart from other runs. */
  readonly tag = randomBytes(2).toString('hex');
  private readonly namespaces: string[] = [];
  private readonly hostLinks: string[] = [];
  private readonly children = new Set<ChildProcess>();

  /** Creates a namespace with loopback up; returns its name. */
  namespace(role: string): string {
    const ns = `weft-${role}-${this.tag}`;
    run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /**
   * A veth pair between two namespaces (null = this host's namespace), each end with a
   * point-to-point address: `a` reaches `bAddr` through it and `b` reaches `aAddr`.
   */
  link(a: string | null, aAddr: string, b: string, bAddr: string, name: string): void {
    const aName = `w${this.tag}${name}a`;
    const bName = `w${this.tag}${name}b`;
    run('ip', ['link', 'add', aName, 'type', 'veth', 'peer', 'name', bName]);
    if (a === null) this.hostLinks.push(aName);
    else run('ip', ['link', 'set', aName, 'netns', a]);
    run('ip', ['link', 'set', bName, 'netns', b]);
    const inA = a === null ? [] : ['-n', a];
    run('ip', [...inA, 'addr', 'add', aAddr, 'peer', `${bAddr}/32`, 'dev', aName]);
    run('ip', [...inA, 'link', 'set', aName, 'up']);
    run('ip', ['-n', b, 'addr', 'add', bAddr, 'peer', `${aAddr}/32`, 'dev', bName]);
    run('ip', ['-n', b, 'link', 'set', bName, 'up']);
  }

  /** Routes `address` out of `ns` over the link to `via` (for a service address nobody holds). */
  route(ns: string, address: string, via: string): void {
    run('ip', ['-n', ns, 'route', 'add', `${address}/32`, 'via', via]);
  }

  /** Runs a shell script inside `ns` (bounded). */
  sh(ns: string, script: string): string {
    return run('ip', ['netns', 'exec', ns, 'sh', '-s'], script);
  }

  /** Runs a command inside `ns`, bounded; resolves with its exit status and output. */
  exec(
    ns: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    timeoutMs = 20_000,
  ): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  /** Starts a long-running process inside `ns` (stopped by `teardown`); `gid` sets its group. */
  start(
    ns: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    gid?: number,
  ): ChildProcess & { output: string[] } {
    const child = spawn('ip', ['netns', 'exec', ns, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(gid !== undefined ? { gid } : {}),
    }) as ChildProcess & { output: string[] };
    child.output = [];
    const keep = (d: Buffer) => {
      if (child.output.length < 200) child.output.push(d.toString());
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** Stops every process started here, then deletes every namespace and host link. */
  async teardown(): Promise<void> {
    const exits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const kill = setTimeout(() => c.kill('SIGKILL'), 3_000);
          c.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    );
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 6_000))]);
    for (const ns of this.namespaces.splice(0)) {
      // anything still running inside goes with the namespace
      spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5_000 })
        .stdout?.split('\n')
        .filter((p) => /^\d+$/.test(p))
        .forEach((p) => {
          try {
            process.kill(Number(p), 'SIGKILL');
          } catch {}
        });
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10_000 });
    }
    for (const l of this.hostLinks.splice(0))
      spawnSync('ip', ['link', 'del', l], { stdio: 'ignore', timeout: 10_000 });
  }
}
