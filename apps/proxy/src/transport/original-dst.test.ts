import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOriginalDst } from './original-dst.ts';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Accepts one loopback connection and returns the server side of it. */
async function acceptedSocket(): Promise<{ accepted: Socket; client: Socket }> {
  let onAccept: (s: Socket) => void = () => {};
  const accepted = new Promise<Socket>((r) => (onAccept = r));
  const server = createServer((s) => onAccept(s));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  return { accepted: await accepted, client };
}

describe('original destination addon', () => {
  it('says once why transparent capture is unavailable when the addon cannot load, and returns null', () => {
    const lines: string[] = [];
    expect(loadOriginalDst((l) => lines.push(l), '/nonexistent/original-dst.node')).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^transparent capture unavailable: cannot load \/nonexistent.*explicit-proxy mode only$/,
    );
  });

  it.skipIf(process.platform !== 'linux')(
    'reads a connection that was not redirected as itself (or null), never throwing',
    async () => {
      const lines: string[] = [];
      const read = loadOriginalDst((l) => lines.push(l));
      expect(read, lines.join('\n')).not.toBeNull();
      const { accepted, client } = await acceptedSocket();
      const dst = read?.(accepted);
      // with conntrack loaded the kernel answers the connection's own destination; without, none
      expect([null, `127.0.0.1:${accepted.localPort}`]).toContain(dst);
      // a socket without a descriptor (destroyed) reads as not redirected
      accepted.destroy();
      client.destroy();
      expect(read?.(accepted)).toBeNull();
    },
  );
});
