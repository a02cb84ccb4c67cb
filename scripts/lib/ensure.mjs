// Installs what the two README commands need when it is missing: npm dependencies
// (when node_modules is absent or older than the lock file) and Debian's Chromium.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const CHROMIUM = '/usr/bin/chromium';

/** Runs `npm ci` when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const modules = join(ROOT, 'node_modules');
  const lock = join(ROOT, 'package-lock.json');
  const marker = join(modules, '.package-lock.json');
  const stale =
    !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) return;
  console.log('[weft] installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm ci failed');
}

/** True when we may install Debian packages ourselves. */
export function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

let aptUpdated = false;

/**
 * Installs a Debian package when `probe` (a path) is absent. Returns true when the
 * probe exists afterwards. Without root it prints what to install and returns false.
 */
export function ensureDebianPackage(pkg, probe) {
  if (existsSync(probe)) return true;
  if (!isRoot()) {
    console.error(
      `[weft] ${probe} is missing: install the Debian package "${pkg}" (sudo apt-get install ${pkg})`,
    );
    return false;
  }
  console.log(`[weft] installing Debian package ${pkg}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
    stdio: 'inherit',
    env,
  });
  return existsSync(probe);
}

/**
 * Transparent capture's tools: a C compiler (Debian's build-essential) for the proxy's
 * original-dst addon, run before `npm ci` builds it; with `netns`, also iptables and
 * iproute2 (the capture tests and `WEFT_LOCAL_CAPTURE=netns`). Never throws: what cannot
 * be installed is said, and the proxy then runs in explicit-proxy mode only.
 */
export function ensureCaptureTools({ netns = false } = {}) {
  const wanted = [['build-essential', '/usr/bin/gcc']];
  if (netns) wanted.push(['iptables', '/usr/sbin/iptables'], ['iproute2', '/usr/sbin/ip']);
  for (const [pkg, probe] of wanted) {
    try {
      ensureDebianPackage(pkg, probe);
    } catch (err) {
      console.error(`[weft] could not install ${pkg}: ${err.message}`);
    }
  }
}

/** Builds the proxy's original-dst addon when it is missing or older than its source (quick otherwise). */
export function buildOriginalDstAddon() {
  spawnSync(process.execPath, [join(ROOT, 'apps/proxy/native/build.mjs')], {
    stdio: 'inherit',
    timeout: 120_000,
  });
}
