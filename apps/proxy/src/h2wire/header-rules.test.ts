import { describe, expect, it } from 'vitest';
import { malformed, REQUEST, RESPONSE, TRAILERS } from './header-rules.ts';

const GET = [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'a'];

describe('HTTP/2 field rules', () => {
  it('accepts well-formed requests, responses and trailers', () => {
    expect(malformed([...GET, 'te', 'trailers', 'x-a', 'b'], REQUEST)).toBeNull();
    expect(malformed([':method', 'CONNECT', ':authority', 'h:443'], REQUEST)).toBeNull();
    expect(malformed([':status', '200', 'content-type', 'application/grpc'], RESPONSE)).toBeNull();
    expect(malformed(['grpc-status', '0'], TRAILERS)).toBeNull();
  });

  it('names what makes a block malformed', () => {
    expect(malformed([':method', 'GET', ':path', '/'], REQUEST)).toMatch(/:scheme/);
    expect(malformed([...GET, ':method', 'GET'], REQUEST)).toMatch(/twice/);
    expect(malformed(['x-a', 'b', ...GET], REQUEST)).toMatch(/out of place/);
    expect(malformed([...GET, ':status', '200'], REQUEST)).toMatch(/unknown/);
    expect(malformed([...GET, 'X-Upper', 'b'], REQUEST)).toMatch(/field name/);
    expect(malformed([...GET, 'connection', 'close'], REQUEST)).toMatch(/connection-specific/);
    expect(malformed([...GET, 'te', 'gzip'], REQUEST)).toMatch(/te other/);
    expect(malformed([...GET, 'x-a', 'b\r\nx-b: c'], REQUEST)).toMatch(/control/);
    expect(malformed(['content-type', 'x'], RESPONSE)).toMatch(/:status/);
    expect(malformed([':status', '200'], TRAILERS)).toMatch(/out of place/);
  });
});
