import { describe, expect, it } from 'vitest';
import { Http1Parser, headerBlock, type ParserOwner } from './parser.ts';

class Recorder implements ParserOwner {
  heads: { method: string; target: string; status: number; headers: string[] }[] = [];
  body: Buffer[] = [];
  ends = 0;
  onHead(p: Http1Parser): boolean {
    this.heads.push({ method: p.method, target: p.target, status: p.status, headers: [...p.headers] });
    return true;
  }
  onBody(chunk: Buffer): void {
    this.body.push(Buffer.from(chunk));
  }
  onMessageEnd(): boolean {
    this.ends++;
    return true;
  }
}

function feedAll(p: Http1Parser, data: string, step: number): number {
  const buf = Buffer.from(data, 'latin1');
  for (let i = 0; i < buf.length; i += step) {
    const n = p.execute(buf.subarray(i, Math.min(buf.length, i + step)));
    if (n < 0) return n;
  }
  return buf.length;
}

const chunkedReq =
  'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' +
  '5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: 1\r\n\r\n' +
  'GET /next HTTP/1.1\r\nHost: a\r\n\r\n';

describe('Http1Parser', () => {
  it('frames chunked bodies and pipelined requests at every split point', () => {
    for (const step of [1, 2, 3, 7, 13, 64, 4096]) {
      const r = new Recorder();
      const p = new Http1Parser(true, r);
      expect(feedAll(p, chunkedReq, step)).toBeGreaterThan(0);
      expect(r.heads.map((h) => h.target)).toEqual(['/up', '/next']);
      expect(r.ends).toBe(2);
      // raw body: framing included, byte for byte
      const raw = Buffer.concat(r.body).toString('latin1');
      expect(raw).toBe('5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: 1\r\n\r\n');
    }
  });

  it('frames fixed-length responses and marks hop-by-hop headers', () => {
    const r = new Recorder();
    const p = new Http1Parser(false, r);
    const res =
      'HTTP/1.1 200 OK\r\nConnection: keep-alive, x-private\r\nKeep-Alive: timeout=5\r\nx-private: 1\r\n' +
      'Content-Length: 3\r\nX-Kept: yes\r\n\r\nabc';
    expect(feedAll(p, res, 5)).toBeGreaterThan(0);
    expect(r.heads[0]?.status).toBe(200);
    expect(Buffer.concat(r.body).toString()).toBe('abc');
    expect(headerBlock(p)).toBe('Content-Length: 3\r\nX-Kept: yes\r\n');
    expect(p.connKeepAlive).toBe(true);
  });

  it('reads a response without length until the connection ends', () => {
    const r = new Recorder();
    const p = new Http1Parser(false, r);
    p.execute(Buffer.from('HTTP/1.0 200 OK\r\n\r\nsome'));
    p.execute(Buffer.from(' more'));
    expect(r.ends).toBe(0);
    expect(p.finish()).toBe(true);
    expect(r.ends).toBe(1);
    expect(Buffer.concat(r.body).toString()).toBe('some more');
  });

  it('rejects malformed and ambiguous messages with the right status', () => {
    const cases: [string, number][] = [
      ['GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
      ['GET / HTTP/2.0\r\nHost: a\r\n\r\n', 505],
      ['GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 400],
      ['POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(40_000)}\r\n\r\n`, 431],
    ];
    for (const [msg, status] of cases) {
      const p = new Http1Parser(true, new Recorder());
      expect(feedAll(p, msg, 1000), JSON.stringify(msg.slice(0, 60))).toBe(-1);
      expect(p.errorStatus).toBe(status);
    }
  });

  it('knows that HEAD responses and 204/304 have no body', () => {
    const r = new Recorder();
    const p = new Http1Parser(false, r);
    p.noBody = true;
    p.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'));
    p.noBody = false;
    p.execute(
      Buffer.from('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n'),
    );
    expect(r.ends).toBe(3);
    expect(r.body).toEqual([]);
  });

  describe('strict framing: each of these is refused, at every split point', () => {
    const chunked = 'POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
    const cases: [string, string, number, RegExp][] = [
      ['a bare LF ending a chunk-size line', `${chunked}5\nhello\r\n0\r\n\r\n`, 400, /bare LF/],
      ['a bare LF ending chunk data', `${chunked}5\r\nhello\n0\r\n\r\n`, 400, /missing CRLF after chunk/],
      ['a bare LF ending a trailer', `${chunked}0\r\nx-t: 1\n\r\n`, 400, /bare LF/],
      ['a bare LF ending the last trailer line', `${chunked}0\r\n\n`, 400, /bare LF/],
      [
        'a CR inside a chunk size (1\\r0 is not 0x10)',
        `${chunked}1\r0\r\n${'x'.repeat(16)}\r\n0\r\n\r\n`,
        400,
        /CR not followed by LF/,
      ],
      [
        'a trailer line that is not a header field',
        `${chunked}0\r\nnot a field\r\n\r\n`,
        400,
        /not a header field/,
      ],
      ['a trailer whose name is not a token', `${chunked}0\r\nx y: 1\r\n\r\n`, 400, /not a header field/],
      ['a trailer with a control character', `${chunked}0\r\nx: a\x01b\r\n\r\n`, 400, /not a header field/],
      [
        'an empty Host followed by a second Host',
        'GET / HTTP/1.1\r\nHost:\r\nHost: evil\r\n\r\n',
        400,
        /more than one host/,
      ],
      [
        'HTTP/1.0 with Transfer-Encoding',
        'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
        /HTTP\/1\.0/,
      ],
      [
        'a method llhttp does not know (501)',
        'BREW / HTTP/1.1\r\nHost: a\r\n\r\n',
        501,
        /method BREW is not supported/,
      ],
      ['a target of no known form', 'GET a HTTP/1.1\r\nHost: a\r\n\r\n', 400, /wrong form/],
      [
        'an absolute-form scheme with a dash',
        'GET h-tp://h/x HTTP/1.1\r\nHost: a\r\n\r\n',
        400,
        /wrong form/,
      ],
      ['a non-ASCII byte in the target', 'GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 400, /bad request target/],
      ['CONNECT to something not host:port', 'CONNECT /x HTTP/1.1\r\nHost: a\r\n\r\n', 400, /wrong form/],
      [
        'a blank before a chunk extension',
        `${chunked}5 ;e=1\r\nhello\r\n0\r\n\r\n`,
        400,
        /bad chunk size line/,
      ],
      [
        'a chunk extension without a name',
        `${chunked}5;=1\r\nhello\r\n0\r\n\r\n`,
        400,
        /bad chunk size line/,
      ],
      [
        'an NBSP after a Content-Length',
        'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\xa0\r\n\r\nabc',
        400,
        /bad content-length/,
      ],
      [
        'a tab after a Content-Length',
        'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\t\r\n\r\nabc',
        400,
        /tab at the end/,
      ],
      [
        'a tab after chunked',
        'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n',
        400,
        /tab at the end/,
      ],
      [
        'more than 100 header fields',
        `GET / HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 100 }, (_, k) => `x-${k}: 1\r\n`).join('')}\r\n`,
        431,
        /more than 100 header fields/,
      ],
    ];
    it.each(cases)('%s', (_what, msg, status, why) => {
      for (const step of [1, 3, 4096]) {
        const r = new Recorder();
        const p = new Http1Parser(true, r);
        expect(feedAll(p, msg, step)).toBe(-1);
        expect(p.errorStatus).toBe(status);
        expect(p.errorMessage).toMatch(why);
        // Nothing of the message counted as complete.
        expect(r.ends).toBe(0);
      }
    });

    it('still accepts 100 header fields, CRLF framing, extensions and valid trailers', () => {
      const ok = [
        `GET / HTTP/1.1\r\n${Array.from({ length: 99 }, (_, k) => `x-${k}: 1\r\n`).join('')}Host: a\r\n\r\n`,
        `${chunked}5;ext=1\r\nhello\r\n0\r\nx-t: 1\r\nx-u:\t2\r\n\r\n`,
        'POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nok',
      ];
      for (const msg of ok) {
        const r = new Recorder();
        const p = new Http1Parser(true, r);
        expect(feedAll(p, msg, 1), JSON.stringify(msg.slice(0, 60))).toBeGreaterThan(0);
        expect(r.ends).toBe(1);
      }
    });

    it('answers 502 for a response with both Content-Length and Transfer-Encoding', () => {
      for (const res of [
        'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      ]) {
        const r = new Recorder();
        const p = new Http1Parser(false, r);
        expect(feedAll(p, res, 5)).toBe(-1);
        expect(p.errorStatus).toBe(502);
        expect(p.errorMessage).toMatch(/both content-length and transfer-encoding/);
        expect(r.heads).toEqual([]);
      }
    });

    it('answers 502 for a response with a malformed trailer', () => {
      const p = new Http1Parser(false, new Recorder());
      const res = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n';
      expect(feedAll(p, res, 7)).toBe(-1);
      expect(p.errorStatus).toBe(502);
    });
  });
});
