/**
 * The first line of an HTTP/1 message: the request line (method, request target, version)
 * or the status line, checked the way llhttp (Node's parser) reads them so that the proxy
 * and an app behind it agree on what a message is.
 */
import { METHODS } from 'node:http';
import type { Http1Parser } from './parser.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * The methods llhttp (Node's parser, so most apps behind the proxy) knows: anything else
 * is refused with 501 rather than forwarded to an app that would parse it differently.
 */
const KNOWN_METHODS = new Set(METHODS);
/** Absolute-form (RFC 9112 §3.2.2): a scheme (letters, as llhttp takes it), `://`, an authority of URI characters, then a path or query. */
const ABSOLUTE_FORM = /^[A-Za-z]+:\/\/[A-Za-z0-9\-._~!$&'()*+,;=:@%[\]]+(?:[/?].*)?$/;
/** Authority-form (§3.2.3, CONNECT only): host and port. */
const AUTHORITY_FORM = /^(?:\[[0-9A-Fa-f:.]+\]|[^/?#@:[\]]+):\d{1,5}$/;

/** Whether `target` has one of the four request-target forms, and the one `method` allows. */
function validTargetForm(method: string, target: string): boolean {
  if (method === 'CONNECT') return AUTHORITY_FORM.test(target);
  if (target === '*') return method === 'OPTIONS';
  return target.charCodeAt(0) === 47 /* / */ || ABSOLUTE_FORM.test(target);
}
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const BAD_TARGET = /[\x00-\x20\x7f-\xff]/;

const STATUS_LINE = /^HTTP\/1\.[01] \d{3}(?: |$)/;

/**
 * Reads a request line (without its CRLF) into `p.method`, `p.target` and `p.versionMinor`.
 * Returns false after failing the parser (400, 501 or 505) when the line is not one.
 */
export function readRequestLine(p: Http1Parser, line: string): boolean {
  const s1 = line.indexOf(' ');
  const s2 = line.indexOf(' ', s1 + 1);
  if (s1 <= 0 || s2 < 0 || line.indexOf(' ', s2 + 1) >= 0) return p.fail(400, 'bad request line') >= 0;
  const method = line.slice(0, s1);
  const target = line.slice(s1 + 1, s2);
  const version = line.slice(s2 + 1);
  if (!TOKEN.test(method)) return p.fail(400, 'bad method') >= 0;
  if (!KNOWN_METHODS.has(method)) return p.fail(501, `method ${method} is not supported`) >= 0;
  if (target.length === 0 || BAD_TARGET.test(target)) return p.fail(400, 'bad request target') >= 0;
  if (!validTargetForm(method, target)) return p.fail(400, 'request target of the wrong form') >= 0;
  if (version === 'HTTP/1.1') p.versionMinor = 1;
  else if (version === 'HTTP/1.0') p.versionMinor = 0;
  else return p.fail(version.startsWith('HTTP/') ? 505 : 400, 'bad HTTP version') >= 0;
  p.method = method;
  p.target = target;
  return true;
}

/**
 * Reads a status line (without its CRLF) into `p.status` and `p.versionMinor`. Returns
 * false after failing the parser (502) when the line is not one.
 */
export function readStatusLine(p: Http1Parser, line: string): boolean {
  if (!STATUS_LINE.test(line)) return p.fail(502, 'bad status line') >= 0;
  const status = Number(line.slice(9, 12));
  if (status < 100) return p.fail(502, 'bad status code') >= 0;
  p.versionMinor = line.charCodeAt(7) === 49 ? 1 : 0;
  p.status = status;
  return true;
}

/** The start line of the parsed head, with its CRLF. */
export function startLineOf(p: Http1Parser): string {
  return p.head.slice(0, p.headersStart);
}

/** Whether a method is idempotent (RFC 9110 §9.2.2): such requests may be retried. */
export function isIdempotent(method: string): boolean {
  return (
    method === 'GET' ||
    method === 'HEAD' ||
    method === 'OPTIONS' ||
    method === 'PUT' ||
    method === 'DELETE' ||
    method === 'TRACE'
  );
}
