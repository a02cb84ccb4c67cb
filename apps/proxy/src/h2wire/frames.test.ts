import { describe, expect, it } from 'vitest';
import {
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  H2Error,
  PROTOCOL_ERROR,
} from './errors.ts';
import { type FrameHandler, FrameReader } from './frame-reader.ts';
import { CLIENT_PREFACE } from './frame-types.ts';
import { type FrameSink, FrameWriter } from './frame-writer.ts';

/** Records what the reader reports, one line per frame. */
class Recorder implements FrameHandler {
  readonly events: string[] = [];
  onData(id: number, data: Buffer, end: boolean, flow: number): void {
    this.events.push(`data ${id} ${data.toString('latin1')} end=${end} flow=${flow}`);
  }
  onHeaders(id: number, block: Buffer, end: boolean): void {
    this.events.push(`headers ${id} ${block.toString('latin1')} end=${end}`);
  }
  onRstStream(id: number, code: number): void {
    this.events.push(`rst ${id} ${code}`);
  }
  onSettings(ack: boolean, s: readonly number[]): void {
    this.events.push(`settings ack=${ack} ${s.join(',')}`);
  }
  onPing(ack: boolean, opaque: Buffer): void {
    this.events.push(`ping ack=${ack} ${opaque.toString('hex')}`);
  }
  onGoaway(last: number, code: number, debug: Buffer): void {
    this.events.push(`goaway ${last} ${code} ${debug.toString('latin1')}`);
  }
  onWindowUpdate(id: number, inc: number): void {
    this.events.push(`window ${id} ${inc}`);
  }
  onStreamError(id: number, code: number): void {
    this.events.push(`stream-error ${id} ${code}`);
  }
}

/** Collects what a FrameWriter writes. */
class Collect implements FrameSink {
  readonly chunks: Buffer[] = [];
  readonly writableLength = 0;
  write(chunk: Buffer): boolean {
    this.chunks.push(Buffer.from(chunk));
    return true;
  }
  cork(): void {}
  uncork(): void {}
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function frame(type: number, flags: number, id: number, payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, p]);
}

const SETTINGS0 = frame(4, 0, 0, '');

function read(bytes: Buffer, server = false): string[] {
  const r = new Recorder();
  new FrameReader(r, { server }).push(bytes);
  return r.events;
}

function rejects(bytes: Buffer, code: number, options = {}): void {
  const r = new FrameReader(new Recorder(), { server: false, ...options });
  try {
    r.push(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(H2Error);
    expect((err as H2Error).code).toBe(code);
    return;
  }
  throw new Error('accepted a hostile input');
}

describe('frame reader', () => {
  const stream = Buffer.concat([
    CLIENT_PREFACE,
    frame(4, 0, 0, Buffer.from('000400010000', 'hex')),
    frame(1, 0x4 | 0x20, 1, Buffer.concat([Buffer.alloc(5), Buffer.from('hdr')])),
    frame(0, 0x8, 1, Buffer.concat([Buffer.from([3]), Buffer.from('body'), Buffer.alloc(3)])),
    frame(1, 0x1, 1, 'tr'),
    frame(9, 0, 1, 'ai'),
    frame(9, 0x4, 1, 'lers'),
    frame(2, 0, 3, Buffer.alloc(5)),
    frame(0xfa, 0, 0, 'unknown'),
    frame(6, 0, 0, Buffer.from('0102030405060708', 'hex')),
    frame(8, 0, 1, Buffer.from('00000100', 'hex')),
    frame(3, 0, 1, Buffer.from('00000008', 'hex')),
    frame(7, 0, 0, Buffer.concat([Buffer.from('0000000100000000', 'hex'), Buffer.from('bye')])),
  ]);
  const expected = [
    'settings ack=false 4,65536',
    'headers 1 hdr end=false',
    'data 1 body end=false flow=8',
    'headers 1 trailers end=true',
    'ping ack=false 0102030405060708',
    'window 1 256',
    'rst 1 8',
    'goaway 1 0 bye',
  ];

  it('reads every frame type, padding, priority and CONTINUATION included', () => {
    expect(read(stream, true)).toEqual(expected);
  });

  it('reads the same frames whatever the chunking', () => {
    for (const size of [1, 2, 5, 9, 10, 17, 64]) {
      const r = new Recorder();
      const reader = new FrameReader(r, { server: true });
      for (let i = 0; i < stream.length; i += size) reader.push(stream.subarray(i, i + size));
      expect(r.events).toEqual(expected);
    }
  });

  it('reads what the writer writes, header blocks split to the peer frame size', async () => {
    const sink = new Collect();
    const w = new FrameWriter(sink);
    w.maxFrameSize = 16384;
    w.settings([1, 4096, 3, 100]);
    const block = Buffer.alloc(40000, 'h');
    w.headers(1, block, 0, block.length, false);
    w.data(1, Buffer.alloc(5000, 'd'), false);
    w.data(1, Buffer.from('end'), true);
    w.windowUpdate(0, 1000);
    w.ping(true, Buffer.from('12345678'));
    w.rstStream(3, 8);
    w.goaway(3, 0);
    w.settingsAck();
    await Promise.resolve();
    expect(sink.chunks.length).toBe(3); // staged frames, the large payload by reference, the rest
    expect(read(sink.bytes())).toEqual([
      'settings ack=false 1,4096,3,100',
      `headers 1 ${'h'.repeat(40000)} end=false`,
      `data 1 ${'d'.repeat(5000)} end=false flow=5000`,
      'data 1 end end=true flow=3',
      'window 0 1000',
      'ping ack=true 3132333435363738',
      'rst 3 8',
      'goaway 3 0 ',
      'settings ack=true ',
    ]);
  });

  it('reuses its stage once the socket took everything, and never rewrites bytes still queued', async () => {
    /** Keeps the written buffers themselves, as a socket with a full kernel buffer does. */
    class Slow implements FrameSink {
      readonly kept: Buffer[] = [];
      writableLength = 1;
      write(chunk: Buffer): boolean {
        this.kept.push(chunk);
        return false;
      }
      cork(): void {}
      uncork(): void {}
    }
    const slow = new Slow();
    const w = new FrameWriter(slow);
    w.windowUpdate(1, 1);
    w.flush();
    w.windowUpdate(3, 3);
    w.flush();
    expect(read(Buffer.concat([SETTINGS0, ...slow.kept]))).toEqual([
      'settings ack=false ',
      'window 1 1',
      'window 3 3',
    ]);
    slow.writableLength = 0;
    w.windowUpdate(5, 5);
    w.flush();
    w.windowUpdate(7, 7);
    w.flush();
    const [a, b] = slow.kept.slice(-2) as [Buffer, Buffer];
    expect(a.byteOffset).toBe(26); // after the two frames the socket still held
    expect(b.byteOffset).toBe(0); // the socket took everything: the stage starts over
    expect(a.buffer).toBe(b.buffer);
    await Promise.resolve();
  });

  it('reports stream-level faults on their stream and reads on', () => {
    expect(read(Buffer.concat([SETTINGS0, frame(2, 0, 5, 'xx'), frame(8, 0, 5, Buffer.alloc(4))]))).toEqual([
      'settings ack=false ',
      `stream-error 5 ${FRAME_SIZE_ERROR}`,
      `stream-error 5 ${PROTOCOL_ERROR}`,
    ]);
  });
});

describe('frame reader: hostile input is refused with an error code, never a crash', () => {
  const after = (...frames: Buffer[]) => Buffer.concat([SETTINGS0, ...frames]);

  it('refuses a wrong preface and a first frame other than SETTINGS', () => {
    const r = new FrameReader(new Recorder(), { server: true });
    expect(() => r.push(Buffer.from('GET / HTTP/1.1\r\n'))).toThrow(H2Error);
    rejects(frame(6, 0, 0, Buffer.alloc(8)), PROTOCOL_ERROR);
  });

  it('refuses frames past the frame size, split or whole', () => {
    rejects(after(frame(0, 0, 1, Buffer.alloc(16385))), FRAME_SIZE_ERROR);
    const r = new FrameReader(new Recorder(), { server: false });
    r.push(SETTINGS0);
    expect(() => r.push(Buffer.from([0xff, 0xff]))).not.toThrow();
    expect(() => r.push(Buffer.from([0xff, 0, 0, 0, 0, 0, 1]))).toThrow(H2Error);
  });

  it('refuses bad padding', () => {
    rejects(after(frame(0, 0x8, 1, Buffer.from([4, 1, 2, 3]))), PROTOCOL_ERROR);
    rejects(after(frame(1, 0x8 | 0x4, 1, Buffer.from([0]).subarray(0, 0))), FRAME_SIZE_ERROR);
  });

  it('refuses broken and endless CONTINUATION sequences', () => {
    rejects(after(frame(9, 0x4, 1, 'x')), PROTOCOL_ERROR);
    rejects(after(frame(1, 0, 1, 'x'), frame(0, 0, 1, 'y')), PROTOCOL_ERROR);
    rejects(after(frame(1, 0, 1, 'x'), frame(9, 0x4, 3, 'y')), PROTOCOL_ERROR);
    const flood = [frame(1, 0, 1, 'x')];
    for (let i = 0; i < 100; i++) flood.push(frame(9, 0, 1, ''));
    rejects(after(...flood), ENHANCE_YOUR_CALM);
    const big = [frame(1, 0, 1, Buffer.alloc(16000))];
    for (let i = 0; i < 5; i++) big.push(frame(9, 0, 1, Buffer.alloc(16000)));
    rejects(after(...big), ENHANCE_YOUR_CALM);
  });

  it('refuses frames on the wrong stream or of the wrong size', () => {
    rejects(after(frame(0, 0, 0, 'x')), PROTOCOL_ERROR);
    rejects(after(frame(1, 0x4, 0, 'x')), PROTOCOL_ERROR);
    rejects(after(frame(4, 0, 1, '')), PROTOCOL_ERROR);
    rejects(after(frame(4, 0, 0, 'abc')), FRAME_SIZE_ERROR);
    rejects(after(frame(4, 1, 0, 'abcdef')), FRAME_SIZE_ERROR);
    rejects(after(frame(6, 0, 0, 'short')), FRAME_SIZE_ERROR);
    rejects(after(frame(3, 0, 1, 'abc')), FRAME_SIZE_ERROR);
    rejects(after(frame(7, 0, 0, 'abc')), FRAME_SIZE_ERROR);
    rejects(after(frame(8, 0, 0, Buffer.alloc(4))), PROTOCOL_ERROR);
    rejects(after(frame(5, 0x4, 1, Buffer.alloc(4))), PROTOCOL_ERROR);
  });

  it('refuses settings out of range', () => {
    rejects(frame(4, 0, 0, Buffer.from('000200000002', 'hex')), PROTOCOL_ERROR);
    rejects(frame(4, 0, 0, Buffer.from('000480000000', 'hex')), FLOW_CONTROL_ERROR);
    rejects(frame(4, 0, 0, Buffer.from('000500001000', 'hex')), PROTOCOL_ERROR);
    rejects(frame(4, 0, 0, Buffer.from('000501000000', 'hex')), PROTOCOL_ERROR);
  });

  it('survives random bytes after a valid start', () => {
    let seed = 5;
    for (let i = 0; i < 500; i++) {
      const junk = Buffer.alloc(1 + (i % 200));
      for (let k = 0; k < junk.length; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        junk[k] = seed >>> 24;
      }
      try {
        read(after(junk));
      } catch (err) {
        expect(err).toBeInstanceOf(H2Error);
      }
    }
  });
});
