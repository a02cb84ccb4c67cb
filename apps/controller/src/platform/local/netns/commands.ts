/** Runs the `ip` and `iptables` commands of netns capture: bounded, and failures name the command. */
import { spawnSync } from 'node:child_process';
import { ErrorCode, MeshError } from '@weft/shared';

/** Runs a command; throws a MeshError with its stderr when it fails. */
export function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000, input });
  if (r.status !== 0) {
    const why = r.error?.message ?? (r.stderr.trim() || `exit ${r.status}`);
    throw new MeshError(ErrorCode.unavailable, `netns capture: ${cmd} ${args.join(' ')}: ${why}`);
  }
  return r.stdout;
}

/** Runs a command whose failure is fine (removing what may already be gone). */
export function tryRun(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 20_000 }).status === 0;
}
