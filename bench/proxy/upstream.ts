/**
 * The benchmark's upstream: a plain `node:http` server, as an application behind the
 * proxy would be. `node --import tsx upstream.ts PORT`.
 *   GET /             a small fixed response (the request-rate benchmarks)
 *   GET /big?bytes=N  N bytes streamed with backpressure (the large-body measurement)
 *   POST /sink        reads the whole body and answers with its length
 */
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const BODY = Buffer.from('hello from upstream\n');
const CHUNK = Buffer.alloc(64 * 1024, 0x78);

function streamBytes(res: http.ServerResponse, total: number): void {
  let left = total;
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/big')) {
    const bytes = Number(new URL(url, 'http://x').searchParams.get('bytes') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
    streamBytes(res, bytes);
    return;
  }
  if (url === '/sink') {
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
    });
    req.on('end', () => {
      const body = `${n}\n`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
