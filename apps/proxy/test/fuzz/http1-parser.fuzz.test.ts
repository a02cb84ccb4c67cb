/**
 * Fuzzing the proxy's HTTP/1 request parser, differential against llhttp (Node's own
 * parser): 100,000 generated requests (well-formed ones from a grammar, then bent: bare
 * CR/LF, odd chunk sizes and extensions, duplicate or conflicting framing headers, odd
 * methods, versions and targets, control characters, random byte edits), each fed to our
 * parser in random pieces and to llhttp. Nothing may crash ours; nothing llhttp refuses
 * may get a head or a complete message out of ours.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Http1Parser, type ParserOwner } from '../../src/http/parser.ts';
import { LlhttpOracle } from './llhttp-oracle.ts';

/** Cases run (at least 100,000 by default; `WEFT_FUZZ_RUNS` changes it). */
const RUNS = Number(process.env.WEFT_FUZZ_RUNS ?? 100_000);

/** What our parser made of the bytes: the first message only. */
class FirstMessage implements ParserOwner {
  head = false;
  complete = false;
  onHead(): boolean {
    this.head = true;
    return true;
  }
  onBody(): void {}
  onMessageEnd(): boolean {
    this.complete = true;
    return false;
  }
}

function ours(bytes: Buffer, cuts: number[]) {
  const owner = new FirstMessage();
  const p = new Http1Parser(true, owner);
  let error: string | undefined;
  let at = 0;
  for (const end of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    if (end <= at) continue;
    const piece = bytes.subarray(at, end);
    const n = p.execute(piece);
    if (n < 0) {
      error = p.errorMessage;
      break;
    }
    at += n;
    if (owner.complete || n < piece.length) break;
  }
  return { head: owner.head, complete: owner.complete, error };
}

// === the grammar ===

const crlf = fc.constantFrom('\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r', '\r\r\n', ' \r\n');
const methods = fc.oneof(
  fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'PROPFIND'),
  fc.constantFrom('get', 'FOO', 'G ET', 'GET\t', 'BREW', ''),
  fc.stringMatching(/^[A-Z]{1,8}$/),
);
const targets = fc.oneof(
  fc.constantFrom('/', '/a?b=c', '/%20', '*', 'http://h/x', 'h:80', '/a#f'),
  fc.string({ unit: fc.constantFrom('a', '/', '?', '%', ' ', '\t', '\x00', '\x7f', 'é', '"'), maxLength: 6 }),
);
const versions = fc.constantFrom(
  'HTTP/1.1',
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/1.2',
  'HTTP/2.0',
  'http/1.1',
  'HTTP/1.1 ',
  '',
);
const names = fc.oneof(
  fc.constantFrom(
    'Host',
    'host',
    'Content-Length',
    'Transfer-Encoding',
    'Connection',
    'X-A',
    'Upgrade',
    'Expect',
  ),
  fc.constantFrom('Host ', ' Host', 'Content-Length\t', 'X A', 'X\x00', '', 'Tränsfer'),
);
const values = fc.oneof(
  fc.constantFrom('a', 'chunked', 'gzip, chunked', 'chunked, gzip', 'chunked ', ' chunked', 'identity'),
  fc.constantFrom('0', '5', '05', '+5', '5 5', '-1', '1e3', '99999999999999999999', ''),
  fc.constantFrom('keep-alive', 'close', 'upgrade', '100-continue', 'a\x01b', 'a\x7fb', 'a\tb', 'é'),
);
const separators = fc.constantFrom(': ', ':', ' : ', ':\t', '\t:');
const header = fc.tuple(names, separators, values, crlf).map(([n, s, v, e]) => `${n}${s}${v}${e}`);
const chunkSize = fc.oneof(
  fc.nat({ max: 20 }).map((n) => n.toString(16)),
  fc.constantFrom('0', '00', '1\r0', ' 5', '5 ', '5;a=b', '5 ;a', '5;a=\x01', 'g', '', '-1', '0x5', '+5'),
);
const chunk = fc
  .tuple(chunkSize, crlf, fc.string({ maxLength: 20 }), crlf)
  .map(([size, e1, data, e2]) => `${size}${e1}${data}${e2}`);
const trailer = fc.oneof(header, fc.constantFrom('not a field\r\n', 'x y: 1\r\n', ': v\r\n', 'x:\x01\r\n'));
const chunkedBody = fc
  .tuple(
    fc.array(chunk, { maxLength: 3 }),
    fc.constantFrom('0', '00', '0;x'),
    crlf,
    fc.array(trailer, { maxLength: 2 }),
    crlf,
  )
  .map(([chunks, last, e1, trailers, e2]) => `${chunks.join('')}${last}${e1}${trailers.join('')}${e2}`);
const body = fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }), chunkedBody);

/** A request from the bent grammar: any part may be malformed. */
const bentRequest = fc
  .tuple(methods, targets, versions, crlf, fc.array(header, { maxLength: 7 }), crlf, body)
  .map(([m, t, v, e1, hs, e2, b]) => `${m} ${t} ${v}${e1}${hs.join('')}${e2}${b}`);

/** A well-formed request: a Host, a few headers, and no body, a sized one or a chunked one. */
const goodChunked = fc
  .tuple(fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 3 }), fc.boolean())
  .map(([parts, trailer]) => {
    const chunks = parts
      .map((d) => `${Buffer.byteLength(d, 'latin1').toString(16)};e=1\r\n${d}\r\n`)
      .join('');
    return `Transfer-Encoding: chunked\r\n\r\n${chunks}0\r\n${trailer ? 'x-t: 1\r\n' : ''}\r\n`;
  });
const goodSized = fc
  .string({ maxLength: 20 })
  .map((d) => `Content-Length: ${Buffer.byteLength(d, 'latin1')}\r\n\r\n${d}`);
const goodRequest = fc
  .tuple(
    fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
    fc.constantFrom('/', '/a/b?c=d', 'http://h:80/x', '/%7e'),
    fc.array(fc.tuple(fc.stringMatching(/^x-[a-z]{1,6}$/), fc.stringMatching(/^[ -~]{0,10}$/)), {
      maxLength: 4,
    }),
    fc.oneof(fc.constant('\r\n'), goodSized, goodChunked),
  )
  .map(
    ([m, t, hs, rest]) =>
      `${m} ${t} HTTP/1.1\r\nHost: a\r\n${hs.map(([n, v]) => `${n}: ${v}\r\n`).join('')}${rest}`,
  );

const request = fc.oneof({ arbitrary: goodRequest, weight: 3 }, { arbitrary: bentRequest, weight: 2 });

/** Random byte edits: replace, insert or delete a few bytes. */
const edits = fc.array(
  fc.tuple(fc.constantFrom('replace', 'insert', 'delete'), fc.nat(), fc.integer({ min: 0, max: 255 })),
  { maxLength: 3 },
);

function applyEdits(s: string, list: [string, number, number][]): Buffer {
  const bytes = [...Buffer.from(s, 'latin1')];
  for (const [op, at, byte] of list) {
    if (bytes.length === 0) break;
    const i = at % bytes.length;
    if (op === 'replace') bytes[i] = byte;
    else if (op === 'insert') bytes.splice(i, 0, byte);
    else bytes.splice(i, 1);
  }
  return Buffer.from(bytes);
}

const cases = fc.record({
  text: request,
  edits: fc.oneof(fc.constant([] as [string, number, number][]), edits),
  cuts: fc.array(fc.nat({ max: 400 }), { maxLength: 4 }),
});

describe('HTTP/1 request parser, fuzzed against llhttp', () => {
  it(`refuses everything llhttp refuses and never crashes (${RUNS} cases)`, async () => {
    const oracle = new LlhttpOracle();
    let llhttpRefused = 0;
    let bothAccepted = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ({ text, edits: list, cuts }) => {
        const bytes = applyEdits(text, list);
        const mine = ours(bytes, cuts);
        const theirs = await oracle.judge(bytes);
        if (theirs.error !== undefined && !theirs.head) {
          llhttpRefused++;
          // llhttp refused the head: ours must not have forwarded one.
          expect(mine.head, `llhttp: ${theirs.error}`).toBe(false);
        }
        if (theirs.error !== undefined && !theirs.complete) {
          // llhttp refused the message: ours must not have completed it.
          expect(mine.complete, `llhttp: ${theirs.error}`).toBe(false);
        }
        if (mine.complete && theirs.complete) bothAccepted++;
      }),
      { numRuns: RUNS },
    );
    // The generator reaches both sides of the line.
    expect(llhttpRefused).toBeGreaterThan(RUNS / 10);
    expect(bothAccepted).toBeGreaterThan(RUNS / 100);
  }, 600_000);
});
