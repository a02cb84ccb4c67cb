/**
 * `weft identity rotate --anchor|--issuer`: the guided CA rotation from the terminal. It
 * starts a rotation (or picks up the one in progress), then takes each step as soon as
 * every proxy has moved: distribute both anchors, switch to the new issuer, finish. A
 * spinner shows the per-proxy progress on a terminal; one line per change otherwise.
 * `weft identity status` shows the CA and the rotation; `weft identity cancel` drops one
 * whose new issuer does not sign yet.
 */
import { readFileSync } from 'node:fs';
import type { ActiveRotation, RotationStartInput, RotationStatus } from '@weft/shared';
import type { Command } from 'commander';
import ora from 'ora';
import type { Api } from '../client.ts';
import { action } from '../context.ts';
import { CliError } from '../errors.ts';
import { colourOn, emit, table } from '../output.ts';

/** One line on where the rotation stands. */
export function describeRotation(a: ActiveRotation): string {
  const n = a.proxies.length;
  const count = (f: (p: ActiveRotation['proxies'][number]) => boolean) => a.proxies.filter(f).length;
  const what =
    a.phase === 'generated'
      ? 'new CA generated'
      : a.phase === 'distributing'
        ? `${count((p) => p.trustsBundle)}/${n} proxies trust the old and the new anchor`
        : `${count((p) => p.onNewIssuer)}/${n} proxies hold a certificate of the new issuer`;
  return `${a.kind} rotation, ${a.phase}: ${what}`;
}

function readPem(path: string | undefined, flag: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`${flag}: cannot read ${path}: ${(err as Error).message}`, 2);
  }
}

interface RotateOptions {
  anchor?: boolean;
  issuer?: boolean;
  trustAnchor?: string;
  issuerCert?: string;
  issuerKey?: string;
  timeout: string;
  interval: string;
}

function startInput(opts: RotateOptions): RotationStartInput {
  if (opts.anchor === opts.issuer)
    throw new CliError('say what to rotate: --anchor (trust anchor and issuer) or --issuer', 2);
  const kind = opts.anchor ? 'anchor' : 'issuer';
  const issuerCert = readPem(opts.issuerCert, '--issuer-cert');
  const issuerKey = readPem(opts.issuerKey, '--issuer-key');
  const trustAnchor = readPem(opts.trustAnchor, '--trust-anchor');
  if (!issuerCert && !issuerKey && !trustAnchor) return { kind };
  if (!issuerCert || !issuerKey)
    throw new CliError('--issuer-cert and --issuer-key go together (the new issuer and its key)', 2);
  return { kind, upload: { issuerCert, issuerKey, ...(trustAnchor ? { trustAnchor } : {}) } };
}

/** Polls the status until the active rotation is ready to advance; rejects on timeout. */
async function untilReady(
  api: Api,
  deadline: number,
  intervalMs: number,
  onProgress: (a: ActiveRotation) => void,
): Promise<ActiveRotation> {
  let last = '';
  for (;;) {
    const s = await api.identity.rotation.status.query();
    const a = s.active;
    if (!a) throw new CliError('the rotation is no longer in progress (cancelled or finished elsewhere)');
    const line = describeRotation(a);
    if (line !== last) onProgress(a);
    last = line;
    if (a.readyToAdvance) return a;
    if (Date.now() >= deadline) {
      const waiting = a.proxies.filter((p) =>
        a.phase === 'distributing' ? !p.trustsBundle : !p.onNewIssuer,
      );
      throw new CliError(
        `timed out; the rotation stays in phase ${a.phase}, waiting for ${waiting.map((p) => `${p.namespace}/${p.pod}`).join(', ')}; run the command again to go on`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function registerRotate(identity: Command): void {
  identity
    .command('rotate')
    .description(
      'rotate the trust anchor or the issuer: generate, distribute both anchors, move every proxy, finish',
    )
    .option('--anchor', 'rotate the trust anchor (and the issuer under it)')
    .option('--issuer', 'rotate the issuer only (the trust anchor stays)')
    .option('--trust-anchor <file>', 'the new trust anchor, PEM (instead of generating one)')
    .option('--issuer-cert <file>', 'the new issuer certificate, PEM (instead of generating one)')
    .option('--issuer-key <file>', "the new issuer's PKCS#8 private key, PEM")
    .option('--timeout <seconds>', 'how long to wait for the proxies at each step', '300')
    .option('--interval <ms>', 'how often to look at the progress', '500')
    .addHelpText(
      'after',
      `
Each step waits until every live proxy has moved (they renew at once when told). A run
cut short leaves the rotation where it was; run the command again to go on.

Examples:
  $ weft identity rotate --anchor
  $ weft identity rotate --issuer -o json
  $ weft identity rotate --anchor --trust-anchor ca.pem --issuer-cert issuer.pem --issuer-key issuer-key.pem`,
    )
    .action(
      action(async ({ api, format }, opts: RotateOptions) => {
        const timeoutMs = Number(opts.timeout) * 1000;
        const intervalMs = Number(opts.interval);
        if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
          throw new CliError(`--timeout: "${opts.timeout}" must be a positive number of seconds`, 2);
        if (!Number.isFinite(intervalMs) || intervalMs < 50)
          throw new CliError(`--interval: "${opts.interval}" must be at least 50 (milliseconds)`, 2);
        const human = format === 'table';
        const steps: { phase: string; at: string; proxies: number }[] = [];
        const spinner = human && colourOn ? ora('rotation').start() : undefined;
        const say = (line: string) => {
          if (spinner) spinner.text = line;
          else if (human) process.stdout.write(`${line}\n`);
        };
        const done = (line: string) => {
          if (spinner) spinner.succeed(line).start();
          else if (human) process.stdout.write(`${line}\n`);
        };
        try {
          const current = (await api.identity.rotation.status.query()).active;
          let active: ActiveRotation;
          if (current) {
            const wanted = opts.anchor ? 'anchor' : opts.issuer ? 'issuer' : current.kind;
            if (wanted !== current.kind)
              throw new CliError(
                `an ${current.kind} rotation is in progress (phase ${current.phase}); finish it first (weft identity rotate --${current.kind}) or cancel it (weft identity cancel)`,
              );
            active = current;
            done(`going on with the ${current.kind} rotation in phase ${current.phase}`);
          } else {
            active = await api.identity.rotation.start.mutate(startInput(opts));
            done(
              `1/4 generated the new ${active.kind === 'anchor' ? 'trust anchor and issuer' : 'issuer'} (${active.newIssuer.subject})`,
            );
          }
          steps.push({ phase: active.phase, at: new Date().toISOString(), proxies: active.proxies.length });
          let status: RotationStatus | undefined;
          for (;;) {
            const deadline = Date.now() + timeoutMs;
            const ready = await untilReady(api, deadline, intervalMs, (a) => say(describeRotation(a)));
            status = await api.identity.rotation.advance.mutate({ from: ready.phase });
            const next = status.active;
            if (!next) {
              done(
                `4/4 finished: ${ready.kind === 'anchor' ? 'the old trust anchor is gone' : 'the old issuer is gone'}`,
              );
              steps.push({ phase: 'finished', at: new Date().toISOString(), proxies: ready.proxies.length });
              break;
            }
            done(
              next.phase === 'distributing'
                ? `2/4 distributing ${next.anchorsDistributed} trust anchors to ${next.proxies.length} proxies`
                : `3/4 the new issuer signs; ${ready.proxies.length} proxies trust both anchors`,
            );
            steps.push({ phase: next.phase, at: new Date().toISOString(), proxies: next.proxies.length });
          }
          spinner?.stop();
          emit(format, { steps, status }, () => (spinner ? '' : 'rotation finished'));
        } catch (err) {
          spinner?.fail();
          throw err;
        }
      }),
    );
}

export function registerIdentity(program: Command): void {
  const identity = program
    .command('identity')
    .description("the mesh's certificate authority and its rotation");
  registerRotate(identity);

  identity
    .command('status')
    .description('the trust anchor, the issuer, and the rotation in progress with each proxy')
    .addHelpText('after', '\nExamples:\n  $ weft identity status\n  $ weft identity status -o yaml')
    .action(
      action(async ({ api, format }) => {
        const [ca, rotation] = await Promise.all([
          api.identity.status.query(),
          api.identity.rotation.status.query(),
        ]);
        emit(format, { ca, rotation }, () => {
          const lines = [
            table(
              ['CERTIFICATE', 'SUBJECT', 'EXPIRES'],
              [
                ['trust anchor', ca.trustAnchor.subject, ca.trustAnchor.notAfter],
                ['issuer', ca.issuer.subject, ca.issuer.notAfter],
              ],
            ),
          ];
          const a = rotation.active;
          if (!a) lines.push('', 'no rotation in progress');
          else
            lines.push(
              '',
              describeRotation(a),
              `next: ${a.next}`,
              '',
              table(
                ['PROXY', 'TRUSTS NEW ANCHOR', 'NEW ISSUER', 'LAST RENEWAL'],
                a.proxies.map((p) => [
                  `${p.namespace}/${p.pod}`,
                  p.trustsBundle ? 'yes' : 'no',
                  p.onNewIssuer ? 'yes' : 'no',
                  p.lastRenewal,
                ]),
              ),
            );
          return lines.join('\n');
        });
      }),
    );

  identity
    .command('cancel')
    .description('drop the rotation in progress, before the new issuer signs')
    .addHelpText('after', '\nExamples:\n  $ weft identity cancel')
    .action(
      action(async ({ api, format }) => {
        const s = await api.identity.rotation.cancel.mutate();
        emit(format, s, () => 'rotation cancelled; proxies trust the old anchor alone again');
      }),
    );
}
