/**
 * The external tools a benchmark needs: found on PATH, installed from Debian with
 * apt-get when missing and running as root, or reported missing with a clear line so
 * that the benchmark can skip what depends on them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Absolute path of `name` on PATH (or in /usr/sbin, where Debian puts nginx), or null. */
export function which(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], {
    encoding: 'utf8',
  });
  const found = r.stdout.trim().split('\n')[0];
  return found ? found : null;
}

let aptUpdated = false;

/**
 * Makes sure `command` exists, installing Debian package `pkg` when it does not and this
 * process runs as root. Returns the command's path, or null with the reason printed.
 */
export function ensureTool(command: string, pkg: string, log: (line: string) => void): string | null {
  const found = which(command);
  if (found !== null) return found;
  if (process.getuid?.() !== 0) {
    log(`skipped: ${command} is not installed and installing ${pkg} needs root (apt-get install ${pkg})`);
    return null;
  }
  if (which('apt-get') === null) {
    log(`skipped: ${command} is not installed and there is no apt-get to install ${pkg}`);
    return null;
  }
  log(`installing ${pkg} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    aptUpdated = true;
  }
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
    stdio: 'ignore',
    env,
  });
  const after = which(command);
  if (r.status !== 0 || after === null) {
    log(`skipped: apt-get install ${pkg} failed (exit ${r.status}), so ${command} is unavailable`);
    return null;
  }
  return after;
}

/**
 * Where the shared open-loop generator's source is: `../shared/tools/olg.c` beside the
 * checkout, or beside the main checkout when this one is a git worktree. Null if neither.
 */
export function olgSource(repoRoot: string): string | null {
  const roots = [repoRoot];
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  if (common.status === 0 && common.stdout.trim() !== '') roots.push(path.dirname(common.stdout.trim()));
  for (const root of roots) {
    const source = path.resolve(root, '..', 'shared', 'tools', 'olg.c');
    if (existsSync(source)) return source;
  }
  return null;
}

/**
 * Compiles the shared open-loop generator (`olgSource`) into a temporary directory. Null
 * when the source or gcc is missing. `edit`, when given, rewrites the source first (null:
 * it cannot, having said why).
 */
export function buildOlg(
  repoRoot: string,
  log: (line: string) => void,
  edit?: (source: string, text: string) => string | null,
): string | null {
  const source = olgSource(repoRoot);
  if (source === null) return null;
  let input = source;
  if (edit !== undefined) {
    const text = edit(source, readFileSync(source, 'utf8'));
    if (text === null) return null;
    input = path.join(mkdtempSync(path.join(tmpdir(), 'weft-olg-src-')), 'olg.c');
    writeFileSync(input, text);
  }
  const gcc = ensureTool('gcc', 'gcc', log);
  if (gcc === null) return null;
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'weft-olg-')), 'olg');
  try {
    execFileSync(gcc, ['-O2', '-o', out, input], { stdio: 'pipe' });
    return out;
  } catch (err) {
    log(`could not compile ${input}: ${(err as Error).message.split('\n')[0]}; using the built-in generator`);
    return null;
  }
}
