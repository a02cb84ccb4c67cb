/** The command line of `npm run bench:proxy` (see main.ts's header for the flags). */

export interface Options {
  reps: number;
  seconds: number;
  bigMb: number;
  bigPaths: string[];
  paths: string[] | null;
  /** Run the proxies from the production build (default) rather than the sources under tsx. */
  bundle: boolean;
  h2: boolean;
  /** Proxy starts timed (0: none). */
  startupRuns: number;
  /** Proxies started to measure idle memory, identity off and as many on (0: none). */
  idleRuns: number;
  /** Skip the one-hop idle RSS of the other mode (set by `--only`). */
  otherMode: boolean;
}

/** Each direction of the large-body measurement gives up after this. */
export const BIG_BODY_DEADLINE_MS = 30_000;

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    reps: 3,
    seconds: 3,
    bigMb: 1024,
    bigPaths: ['oneHop'],
    paths: null,
    bundle: true,
    h2: true,
    startupRuns: 9,
    idleRuns: 5,
    otherMode: true,
  };
  // `--only=startup,idle` (either or both): just those measurements, nothing under load.
  const only = argv.find((a) => a.startsWith('--only='));
  if (only !== undefined) {
    const parts = only.slice('--only='.length).split(',');
    Object.assign(o, { paths: [], bigMb: 0, h2: false, otherMode: false });
    if (!parts.includes('startup')) o.startupRuns = 0;
    if (!parts.includes('idle')) o.idleRuns = 0;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--reps') o.reps = Math.max(1, Number(next()));
    else if (a === '--seconds') o.seconds = Math.max(1, Number(next()));
    else if (a === '--big-mb') o.bigMb = Math.max(0, Number(next()));
    else if (a === '--paths') o.paths = next().split(',');
    else if (a === '--big-paths') o.bigPaths = next().split(',');
    else if (a === '--source') o.bundle = false;
    else if (a === '--bundle')
      o.bundle = true; // the default; kept for old command lines
    else if (a === '--no-h2') o.h2 = false;
    else if (a === '--startup-runs') o.startupRuns = Math.max(0, Number(next()));
    else if (a === '--idle-runs') o.idleRuns = Math.max(0, Number(next()));
    else if (a === '--quick') Object.assign(o, { reps: 1, seconds: 2, bigMb: 256 });
    else if (a?.startsWith('--only='))
      continue; // read above
    else throw new Error(`unknown argument ${a} (see the header of bench/proxy/main.ts)`);
  }
  return o;
}
