// gRPC through the outbound proxy the way @grpc/grpc-js uses an explicit proxy: a CONNECT
// tunnel (from `grpc_proxy`), then HTTP/2 inside it, balanced per call. Status codes,
// messages, metadata and trailers must arrive intact, and an unreachable upstream must
// surface as UNAVAILABLE rather than a hang.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/app.ts';
import { admin, parseProm, startTestProxy, sum } from './core-harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface EchoRequest {
  message: string;
  count?: number;
  failCode?: number;
}
interface EchoReply {
  message: string;
  index: number;
  server: string;
}
type EchoClient = grpc.Client & {
  Unary(
    req: EchoRequest,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  Slow(
    req: EchoRequest,
    md: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: EchoReply) => void,
  ): grpc.ClientUnaryCall;
  ServerStream(req: EchoRequest, md?: grpc.Metadata): grpc.ClientReadableStream<EchoReply>;
};

const packageDef = protoLoader.loadSync(path.join(here, 'fixtures/grpc-echo.proto'), {
  keepCase: false,
  defaults: true,
});
const proto = grpc.loadPackageDefinition(packageDef) as unknown as {
  weft: { test: { Echo: grpc.ServiceClientConstructor } };
};
const EchoService = proto.weft.test.Echo;

/** An upstream Echo server named `name`, echoing metadata `x-req` back as `x-echo` and trailer `x-trailer`. */
async function startEchoServer(name: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(EchoService.service, {
    Unary(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      const initial = new grpc.Metadata();
      initial.set('x-echo', String(call.metadata.get('x-req')[0] ?? ''));
      call.sendMetadata(initial);
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', `done-${call.request.message}`);
      if (call.request.failCode) {
        cb({ code: call.request.failCode, details: `refused ${call.request.message}`, metadata: trailer });
        return;
      }
      cb(null, { message: call.request.message.toUpperCase(), index: 0, server: name }, trailer);
    },
    Slow(call: grpc.ServerUnaryCall<EchoRequest, EchoReply>, cb: grpc.sendUnaryData<EchoReply>) {
      setTimeout(() => cb(null, { message: call.request.message, index: 0, server: name }), 50);
    },
    ServerStream(call: grpc.ServerWritableStream<EchoRequest, EchoReply>) {
      const { message, count = 0, failCode = 0 } = call.request;
      for (let i = 0; i < count; i++) call.write({ message: `${message}-${i}`, index: i, server: name });
      const trailer = new grpc.Metadata();
      trailer.set('x-trailer', `streamed-${count}`);
      if (failCode) call.emit('error', { code: failCode, details: 'stream cut', metadata: trailer });
      else call.end(trailer);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { server, port };
}

const AUTHORITY = 'echo.test.svc.cluster.local:50051';
const DOWN_AUTHORITY = 'down.test.svc.cluster.local:50051';
/** Served through a second proxy's inbound listener: the meshed path, two hops. */
const MESHED_AUTHORITY = 'meshed.test.svc.cluster.local:50051';

let proxy: RunningProxy;
/** The server side's proxy: its inbound listener forwards to upstream "a". */
let serverProxy: RunningProxy;
let upstreams: { server: grpc.Server; port: number }[] = [];
let client: EchoClient;

function unary(
  req: EchoRequest,
  md = new grpc.Metadata(),
): Promise<{
  res?: EchoReply;
  err?: grpc.ServiceError;
  meta: grpc.Metadata | null;
  status: grpc.StatusObject | null;
}> {
  return new Promise((resolve) => {
    let meta: grpc.Metadata | null = null;
    let status: grpc.StatusObject | null = null;
    let result: { res?: EchoReply; err?: grpc.ServiceError } | null = null;
    const done = () => {
      if (result !== null && status !== null) resolve({ ...result, meta, status });
    };
    const call = client.Unary(req, md, { deadline: Date.now() + 10_000 }, (err, res) => {
      result = err ? { err } : { res };
      done();
    });
    call.on('metadata', (m: grpc.Metadata) => {
      meta = m;
    });
    call.on('status', (s: grpc.StatusObject) => {
      status = s;
      done();
    });
  });
}

beforeAll(async () => {
  upstreams = [await startEchoServer('a'), await startEchoServer('b')];
  // A port that refuses connections: bind one, note it, close it.
  const closed = await startEchoServer('gone');
  closed.server.forceShutdown();
  const endpoints = (ports: number[]) => ({
    endpoints: ports.map((port) => ({ address: '127.0.0.1', port })),
  });
  serverProxy = await startTestProxy(
    { inbound: { ports: [{ public: 0, app: (upstreams[0] as { port: number }).port }] } },
    { WEFT_PROXY_WORKLOAD: 'echo', WEFT_PROXY_POD: 'echo-1' },
  );
  const serverInbound = (serverProxy.inbound[0] as { address: { port: number } }).address.port;
  proxy = await startTestProxy({
    destinations: {
      [AUTHORITY]: endpoints(upstreams.map((u) => u.port)),
      [DOWN_AUTHORITY]: endpoints([closed.port]),
      [MESHED_AUTHORITY]: endpoints([serverInbound]),
    },
  });
  process.env.grpc_proxy = `http://127.0.0.1:${proxy.outbound.port}`;
  process.env.no_grpc_proxy = '';
  client = new EchoService(AUTHORITY, grpc.credentials.createInsecure()) as unknown as EchoClient;
});

afterAll(async () => {
  client?.close();
  await proxy?.drain(500);
  await serverProxy?.drain(500);
  for (const u of upstreams) u.server.forceShutdown();
  delete process.env.grpc_proxy;
});

describe('gRPC through a CONNECT tunnel', () => {
  it('passes a unary call with its metadata, status and trailers', async () => {
    const md = new grpc.Metadata();
    md.set('x-req', 'hello-meta');
    const { res, err, meta, status } = await unary({ message: 'hi' }, md);
    expect(err).toBeUndefined();
    expect(res?.message).toBe('HI');
    expect(meta?.get('x-echo')).toEqual(['hello-meta']);
    expect(status?.code).toBe(grpc.status.OK);
    expect(status?.metadata.get('x-trailer')).toEqual(['done-hi']);
    // The call really went through the proxy, counted against the authority.
    const samples = parseProm((await admin(proxy, '/metrics')).body);
    expect(sum(samples, 'request_total', { direction: 'outbound', authority: AUTHORITY })).toBeGreaterThan(0);
  });

  it('passes a non-OK status with its message and trailing metadata', async () => {
    const { err, status } = await unary({ message: 'nope', failCode: grpc.status.NOT_FOUND });
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
    expect(err?.details).toBe('refused nope');
    expect(status?.metadata.get('x-trailer')).toEqual(['done-nope']);
  });

  it('streams every server message, then the trailers', async () => {
    const replies: EchoReply[] = [];
    const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
      const call = client.ServerStream({ message: 'tick', count: 25 });
      call.on('data', (r: EchoReply) => replies.push(r));
      call.on('error', reject);
      call.on('status', resolve);
    });
    expect(replies.map((r) => r.index)).toEqual([...Array(25).keys()]);
    expect(replies[3]?.message).toBe('tick-3');
    expect(status.code).toBe(grpc.status.OK);
    expect(status.metadata.get('x-trailer')).toEqual(['streamed-25']);
  });

  it('delivers the messages sent before a stream fails, then its status', async () => {
    const replies: EchoReply[] = [];
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      const call = client.ServerStream({ message: 'cut', count: 2, failCode: grpc.status.ABORTED });
      call.on('data', (r: EchoReply) => replies.push(r));
      call.on('error', resolve);
    });
    expect(replies.map((r) => r.message)).toEqual(['cut-0', 'cut-1']);
    expect(err.code).toBe(grpc.status.ABORTED);
    expect(err.details).toBe('stream cut');
    expect(err.metadata.get('x-trailer')).toEqual(['streamed-2']);
  });

  it('balances concurrent calls on one channel (one tunnel) across the endpoints', async () => {
    const replies = await Promise.all(
      Array.from(
        { length: 40 },
        (_, i) =>
          new Promise<EchoReply | undefined>((resolve) =>
            client.Slow(
              { message: `n${i}` },
              new grpc.Metadata(),
              { deadline: Date.now() + 10_000 },
              (_e, r) => resolve(r),
            ),
          ),
      ),
    );
    expect(replies.every((r) => r !== undefined)).toBe(true);
    expect(new Set(replies.map((r) => r?.server))).toEqual(new Set(['a', 'b']));
  });

  it('counts a non-OK gRPC status as a failure in response_total', async () => {
    const before = parseProm((await admin(proxy, '/metrics')).body);
    const failures = (samples: typeof before) =>
      sum(samples, 'response_total', {
        direction: 'outbound',
        authority: AUTHORITY,
        classification: 'failure',
      });
    await unary({ message: 'bad', failCode: grpc.status.INTERNAL });
    await expect
      .poll(async () => failures(parseProm((await admin(proxy, '/metrics')).body)) - failures(before))
      .toBe(1);
  });

  it('answers UNAVAILABLE when the endpoint refuses connections (the CONNECT itself gets 502)', async () => {
    const down = new EchoService(DOWN_AUTHORITY, grpc.credentials.createInsecure()) as unknown as EchoClient;
    try {
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        down.Unary({ message: 'x' }, new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (e) =>
          resolve(e),
        ),
      );
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      down.close();
    }
  });
});

describe('gRPC over the meshed path (outbound tunnel, then the server proxy inbound)', () => {
  it('carries unary and streaming calls with their statuses and trailers through both proxies', async () => {
    const meshed = new EchoService(
      MESHED_AUTHORITY,
      grpc.credentials.createInsecure(),
    ) as unknown as EchoClient;
    try {
      const ok = await new Promise<{ err: grpc.ServiceError | null; res?: EchoReply }>((resolve) =>
        meshed.Unary(
          { message: 'two hops' },
          new grpc.Metadata(),
          { deadline: Date.now() + 10_000 },
          (err, res) => resolve({ err, res }),
        ),
      );
      expect(ok.err).toBeNull();
      expect(ok.res).toMatchObject({ message: 'TWO HOPS', server: 'a' });
      const failed = await new Promise<grpc.ServiceError | null>((resolve) =>
        meshed.Unary(
          { message: 'x', failCode: grpc.status.PERMISSION_DENIED },
          new grpc.Metadata(),
          { deadline: Date.now() + 10_000 },
          (err) => resolve(err),
        ),
      );
      expect(failed?.code).toBe(grpc.status.PERMISSION_DENIED);
      expect(failed?.metadata.get('x-trailer')).toEqual(['done-x']);
      const replies: EchoReply[] = [];
      const status = await new Promise<grpc.StatusObject>((resolve, reject) => {
        const call = meshed.ServerStream({ message: 'm', count: 10 });
        call.on('data', (r: EchoReply) => replies.push(r));
        call.on('error', reject);
        call.on('status', resolve);
      });
      expect(replies).toHaveLength(10);
      expect(status.metadata.get('x-trailer')).toEqual(['streamed-10']);
      // The server-side proxy saw them on its inbound side.
      const samples = parseProm((await admin(serverProxy, '/metrics')).body);
      expect(sum(samples, 'request_total', { direction: 'inbound' })).toBe(3);
    } finally {
      meshed.close();
    }
  });
});
