/**
 * Client side of CONNECT tunnels for the protocol tests: opens a tunnel through the
 * proxy's outbound listener and hands back the socket once the proxy answered.
 */
import net, { type Socket } from 'node:net';

export interface Tunnel {
  socket: Socket;
  /** The proxy's response head, without the final blank line. */
  head: string;
  status: number;
}

/**
 * Sends `CONNECT authority` to 127.0.0.1:proxyPort and resolves with the answer. The
 * socket is returned paused, with any bytes that followed the head put back.
 */
export function connectTunnel(proxyPort: number, authority: string): Promise<Tunnel> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(proxyPort, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      socket.removeListener('error', reject);
      socket.pause();
      const head = buf.toString('latin1', 0, end);
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve({ socket, head, status: Number(head.slice(9, 12)) });
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

/** Reads from `socket` until `n` bytes arrived, then pauses it again. */
export function readBytes(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onClose = () => reject(new Error(`closed after ${got} of ${n} bytes`));
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        socket.removeListener('data', onData);
        socket.removeListener('close', onClose);
        socket.removeListener('error', reject);
        socket.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', onClose);
    socket.resume();
  });
}
