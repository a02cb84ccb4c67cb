/** Reads the last lines of a log file without loading all of it. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes read from the end per requested line, at most. */
const BYTES_PER_LINE = 512;

/** The last `lines` complete or partial lines of `file`, oldest first; [] when it does not exist. */
export function tailLines(file: string, lines: number): string[] {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, Math.max(4096, lines * BYTES_PER_LINE));
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const all = buf.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    if (length < size) all.shift(); // the first line is probably cut
    return all.slice(-lines);
  } finally {
    closeSync(fd);
  }
}
