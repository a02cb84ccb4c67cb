// An endpoint that refuses a stream (REFUSED_STREAM: it did not process it, e.g. it is
// draining) has not seen the request, so the proxy sends it again, whatever the method:
// a gRPC call (a POST) caught by an endpoint's drain still succeeds. A stream reset for
// another reason is not replayed for a POST.
import http2 from 'node:http2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type H2Inbound, readResponse, startH2Inbound } from './h2-inbound-harness.ts';

/** How the endpoint treats the first stream it gets; the next ones are served. */
let firstStream: 'refuse' | 'reset' = 'refuse';
let streams = 0;
let proxy: H2Inbound;

beforeAll(async () => {
  proxy = await startH2Inbound((stream) => {
    streams++;
    if (streams === 1 && firstStream === 'refuse') {
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (streams === 1 && firstStream === 'reset') {
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    stream.end('served');
  });
});

afterAll(async () => {
  await proxy?.close();
});

beforeEach(() => {
  streams = 0;
});

/** A gRPC-style POST through the proxy: its status and body. */
async function post(): Promise<{ status: number; body: string }> {
  const session = http2.connect(`http://127.0.0.1:${proxy.port}`);
  session.on('error', () => {});
  try {
    const req = session.request({
      ':method': 'POST',
      ':path': '/ratings.Ratings/Get',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const response = readResponse(req);
    req.end('request');
    return await response;
  } finally {
    session.close();
  }
}

describe('HTTP/2 streams the endpoint did not process', () => {
  it('sends a POST again when the endpoint refused its stream', async () => {
    firstStream = 'refuse';
    expect(await post()).toEqual({ status: 200, body: 'served' });
    expect(streams).toBe(2);
  });

  it('does not send a POST again when the endpoint reset its stream for another reason', async () => {
    firstStream = 'reset';
    const r = await post();
    expect(r.status).toBe(200); // gRPC answers failures with trailers
    expect(r.body).not.toBe('served');
    expect(streams).toBe(1);
  });
});
