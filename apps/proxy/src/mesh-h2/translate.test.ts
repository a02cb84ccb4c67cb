import { describe, expect, it } from 'vitest';
import { Dechunker, trailerFields } from './dechunk.ts';
import { headerLines, requestFields, responseFields, statusLine, trailerLines } from './translate.ts';

describe('HTTP/1 to HTTP/2 between meshed proxies: header translation', () => {
  it('makes h2 request fields of an HTTP/1 head: Host as :authority, connection-specific fields dropped', () => {
    const block =
      'Host: web:8080\r\nX-Trace: a\r\nConnection: keep-alive, x-hop\r\nKeep-Alive: timeout=5\r\n' +
      'Proxy-Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nTE: gzip\r\nUpgrade: h2c\r\n' +
      'Content-Length: 3\r\nCookie: a=1\r\nCookie: b=2\r\nweft-src: x/y\r\n';
    expect(requestFields('POST', '/p?q=1', 'web:8080', block, 'demo/load')).toEqual([
      ':method',
      'POST',
      ':scheme',
      'http',
      ':authority',
      'web:8080',
      ':path',
      '/p?q=1',
      'x-trace',
      'a',
      'content-length',
      '3',
      'cookie',
      'a=1',
      'cookie',
      'b=2',
      'weft-src',
      'demo/load',
      'weft-orig-proto',
      'HTTP/1.1',
    ]);
  });

  it('keeps "TE: trailers" and trims optional whitespace', () => {
    const f = requestFields('GET', '/', 'a', 'TE:  trailers \r\nX-A:\tv\t\r\n', '');
    expect(f.slice(8)).toEqual(['te', 'trailers', 'x-a', 'v', 'weft-orig-proto', 'HTTP/1.1']);
  });

  it('marks an HTTP/1 response head as h2 fields, framing fields dropped and the length kept', () => {
    expect(
      responseFields(200, 'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n'),
    ).toEqual([
      ':status',
      '200',
      'content-type',
      'text/plain',
      'content-length',
      '5',
      'weft-orig-proto',
      'HTTP/1.1',
    ]);
  });

  it('writes h2 fields as HTTP/1 lines: :authority as Host first, marker and the skipped name left out', () => {
    const fields = [
      ':method',
      'GET',
      ':authority',
      'web:8080',
      ':path',
      '/',
      'x-a',
      '1',
      'weft-src',
      'demo/load',
      'weft-orig-proto',
      'HTTP/1.1',
      'te',
      'gzip',
      'connection',
      'close',
    ];
    expect(headerLines(fields, true, 'weft-src')).toBe('host: web:8080\r\nx-a: 1\r\n');
    expect(headerLines([':status', '204', 'x-b', '2'], false, '')).toBe('x-b: 2\r\n');
    expect(trailerLines(['grpc-status', '0', 'x-sum', 'abc'])).toBe('grpc-status: 0\r\nx-sum: abc\r\n');
  });

  it('gives a status line the standard reason phrase (h2 carries none)', () => {
    expect(statusLine(404, 1)).toBe('HTTP/1.1 404 Not Found\r\n');
    expect(statusLine(299, 0)).toBe('HTTP/1.0 299 Unknown\r\n');
  });
});

describe('Dechunker', () => {
  it('strips chunked framing across any split, extensions and trailers included', () => {
    const wire = Buffer.from(
      '5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Sum: 12\r\nX-B: y\r\n\r\n',
    );
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new Dechunker();
      const parts: Buffer[] = [];
      const out = { onDechunked: (b: Buffer) => parts.push(Buffer.from(b)) };
      d.feed(wire.subarray(0, cut), out);
      d.feed(wire.subarray(cut), out);
      expect(Buffer.concat(parts).toString()).toBe('helloabcdefghijklmnopqrstuvwxyz');
      expect(trailerFields(d.trailers)).toEqual(['x-sum', '12', 'x-b', 'y']);
    }
  });

  it('has no trailers for a plain last chunk', () => {
    const d = new Dechunker();
    d.feed(Buffer.from('3\r\nabc\r\n0\r\n\r\n'), { onDechunked: () => {} });
    expect(d.trailers).toBe('');
  });
});
