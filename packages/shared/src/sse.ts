/**
 * A bounded parser of server-sent events (the `text/event-stream` format): feed it text
 * as it arrives, get whole events back. Used to read a proxy's `/tap` stream. A line
 * longer than `maxLine` characters is an error rather than a growing buffer.
 */
export interface SseEvent {
  event: string;
  data: string;
}

export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly maxLine = 1 << 20) {}

  /** Feeds `text`; returns the events it completed. Throws on a line over `maxLine`. */
  push(text: string): SseEvent[] {
    this.buf += text;
    const out: SseEvent[] = [];
    let nl = this.buf.indexOf('\n');
    while (nl >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      this.line(line, out);
      nl = this.buf.indexOf('\n');
    }
    if (this.buf.length > this.maxLine)
      throw new Error(`event-stream line longer than ${this.maxLine} characters`);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
