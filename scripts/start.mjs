// `npm start`: installs what is missing, builds the dashboard when its build is stale,
// starts the controller on the local platform with the demo application and the
// dashboard, prints the dashboard URL with a one-time login link (minted with the admin
// token the controller wrote to its state directory), and stops everything it started
// on Ctrl-C. The dashboard listens on 127.0.0.1 unless WEFT_WEB_HOST says otherwise;
// WEFT_DASHBOARD=off runs the controller and its pods alone (no dashboard build or server).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildOriginalDstAddon, ensureCaptureTools, ensureDependencies, ROOT } from './lib/ensure.mjs';
import { startProcess, stopAll } from './lib/processes.mjs';

const CONTROLLER_ADDR = process.env.WEFT_API_ADDR ?? '127.0.0.1:7090';
const WEB_PORT = process.env.WEFT_WEB_PORT ?? '50750';
const WEB_HOST = process.env.WEFT_WEB_HOST ?? '127.0.0.1';
const STATE_DIR = resolve(ROOT, process.env.WEFT_STATE_DIR ?? '.weft');
const CONTROLLER_MAIN = join(ROOT, 'apps/controller/src/main.ts');
const WEB_DIR = join(ROOT, 'apps/web');
const DASHBOARD = process.env.WEFT_DASHBOARD !== 'off';

/** Newest modification time of any file below `dir` (skipping build output and deps). */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.next') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The proxy bundle meshed pods run; esbuild makes it in a second or two, when its sources changed. */
function buildProxyIfStale() {
  const bundle = join(ROOT, 'apps/proxy/dist/weft-proxy.cjs');
  const sources = Math.max(
    newestMtime(join(ROOT, 'apps/proxy/src')),
    newestMtime(join(ROOT, 'packages/shared/src')),
    statSync(join(ROOT, 'package-lock.json')).mtimeMs,
  );
  if (existsSync(bundle) && statSync(bundle).mtimeMs > sources) return;
  const r = spawnSync('npm', ['run', '-s', 'build', '--workspace', '@weft/proxy'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('the proxy build failed');
}

function buildWebIfStale() {
  const buildId = join(WEB_DIR, '.next/BUILD_ID');
  const sources = Math.max(newestMtime(WEB_DIR), newestMtime(join(ROOT, 'packages/shared/src')));
  if (existsSync(buildId) && statSync(buildId).mtimeMs > sources) return;
  console.log('[weft] building the dashboard…');
  const r = spawnSync('npm', ['run', '-s', 'build', '--workspace', '@weft/web'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error('the dashboard build failed');
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** A one-time login link for the dashboard, or undefined (auth off, or the controller refused). */
async function loginLink(controllerUrl, dashboardUrl) {
  let token;
  try {
    token = readFileSync(join(STATE_DIR, 'auth', 'admin-token'), 'utf8').trim();
  } catch {
    return undefined;
  }
  try {
    const res = await fetch(`${controllerUrl}/trpc/auth.createLoginLink`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    const code = (await res.json())?.result?.data?.code;
    return typeof code === 'string' ? `${dashboardUrl}/login/link?code=${code}` : undefined;
  } catch {
    return undefined;
  }
}

async function main() {
  const started = Date.now();
  ensureCaptureTools({ netns: process.env.WEFT_LOCAL_CAPTURE === 'netns' });
  ensureDependencies();
  buildOriginalDstAddon();
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[weft] stopping…');
    // The controller stops every pod it runs before it exits: give it time to.
    await stopAll(15_000);
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  const controllerUrl = `http://${CONTROLLER_ADDR}`;
  buildProxyIfStale();
  if (existsSync(CONTROLLER_MAIN)) {
    const controller = startProcess('controller', process.execPath, ['--import', 'tsx', CONTROLLER_MAIN], {
      cwd: ROOT,
      env: { ...env, WEFT_API_ADDR: CONTROLLER_ADDR },
    });
    controller.on('exit', (code) => {
      if (!stopping) {
        console.error(`[weft] the controller exited (${code}); stopping`);
        stop(1);
      }
    });
  } else {
    console.log(
      '[weft] the controller is not there yet (apps/controller/src/main.ts): starting the dashboard alone',
    );
  }

  if (!DASHBOARD) {
    console.log(`[weft] controller on ${controllerUrl}, dashboard off (WEFT_DASHBOARD=off)`);
    console.log('[weft] Ctrl-C stops everything.\n');
    return;
  }
  buildWebIfStale();
  const web = startProcess(
    'web',
    process.execPath,
    [join(ROOT, 'node_modules/next/dist/bin/next'), 'start', WEB_DIR, '-H', WEB_HOST, '-p', WEB_PORT],
    { cwd: ROOT, env: { ...env, CONTROLLER_URL: controllerUrl } },
  );
  web.on('exit', (code) => {
    if (!stopping) {
      console.error(`[weft] the dashboard exited (${code}); stopping`);
      stop(1);
    }
  });

  const url = `http://${WEB_HOST === '0.0.0.0' ? '127.0.0.1' : WEB_HOST}:${WEB_PORT}`;
  if (await waitForHttp(url, 60_000)) {
    console.log(`\n[weft] ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const link = await loginLink(controllerUrl, url);
    if (link) {
      console.log(`[weft] dashboard: ${url}`);
      console.log(`[weft] log in as admin with this one-time link (valid for an hour):\n\n    ${link}\n`);
      console.log(
        `[weft] scripts: send the token in ${join(STATE_DIR, 'auth', 'admin-token')} as "Authorization: Bearer"`,
      );
    } else {
      console.log(`[weft] dashboard: ${url}`);
    }
    console.log('[weft] Ctrl-C stops everything.\n');
  } else {
    console.error('[weft] the dashboard did not come up within 60 s');
    await stop(1);
  }
}

main().catch(async (err) => {
  console.error(`[weft] ${err.message}`);
  await stopAll();
  process.exit(1);
});
