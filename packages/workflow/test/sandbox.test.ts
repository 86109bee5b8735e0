import { assert, AssertionError } from '../src/sandbox/assert';
import { formatArgs } from '../src/sandbox/console';
import { structuredClone } from '../src/sandbox/structured-clone';
import { setUrlHost, URL, URLSearchParams } from '../src/sandbox/url';
import { AbortController, AbortSignal } from '../src/sandbox/abort';

const NodeURL = globalThis.URL;

beforeAll(() => {
  const parts = (u: InstanceType<typeof NodeURL>) => ({
    href: u.href,
    protocol: u.protocol,
    username: u.username,
    password: u.password,
    host: u.host,
    hostname: u.hostname,
    port: u.port,
    pathname: u.pathname,
    search: u.search,
    hash: u.hash,
    origin: u.origin,
  });
  setUrlHost({
    parse: (input, base) => parts(new NodeURL(input, base)),
    set: (href, part, value) => {
      const u = new NodeURL(href);
      (u as unknown as Record<string, string>)[part] = value;
      return parts(u);
    },
  });
});

test('URL parses through the host and keeps searchParams in sync', () => {
  const url = new URL('https://user:pw@example.com:8080/a/b?x=1#h');
  expect([url.protocol, url.username, url.host, url.pathname, url.search, url.hash]).toEqual([
    'https:',
    'user',
    'example.com:8080',
    '/a/b',
    '?x=1',
    '#h',
  ]);
  url.searchParams.set('y', 'a b');
  expect(url.href).toBe('https://user:pw@example.com:8080/a/b?x=1&y=a+b#h');
  url.pathname = '/c';
  expect(url.toString()).toBe('https://user:pw@example.com:8080/c?x=1&y=a+b#h');
  expect(() => new URL('not a url')).toThrow(/Invalid URL/);
  expect(URL.canParse('/rel', 'https://x.y')).toBe(true);
});

test('URLSearchParams encodes and decodes like the WHATWG rules for forms', () => {
  const params = new URLSearchParams('?a=1&b=x%20y&a=2&c');
  expect(params.getAll('a')).toEqual(['1', '2']);
  expect(params.get('b')).toBe('x y');
  expect(params.get('c')).toBe('');
  params.delete('a');
  params.append('d', "!'()~");
  expect(params.toString()).toBe(
    new globalThis.URLSearchParams('b=x%20y&c&d=' + encodeURIComponent("!'()~")).toString(),
  );
  expect([...new URLSearchParams({ k: 'v' })]).toEqual([['k', 'v']]);
});

test('structuredClone copies deeply, keeps cycles and refuses functions', () => {
  const source: Record<string, unknown> = {
    d: new Date(5),
    m: new Map([[1, { x: 1 }]]),
    s: new Set([1]),
    u: new Uint8Array([1, 2]),
  };
  source.self = source;
  const copy = structuredClone(source);
  expect(copy).not.toBe(source);
  expect(copy.self).toBe(copy);
  expect(copy.d).toEqual(new Date(5));
  expect((copy.m as Map<number, unknown>).get(1)).toEqual({ x: 1 });
  expect(copy.u).toEqual(new Uint8Array([1, 2]));
  expect(() => structuredClone({ f: () => 1 })).toThrow(/could not be cloned/);
});

test('console arguments are formatted like util.format', () => {
  expect(formatArgs(['%s is %d years', 'Ann', 42, { extra: true }])).toBe('Ann is 42 years { extra: true }');
  expect(formatArgs(['plain', [1, 'two']])).toBe("plain [ 1, 'two' ]");
  expect(formatArgs(['100%%'])).toBe('100%');
});

test('assert throws AssertionError with the operator', () => {
  expect(() => assert.strictEqual(1, 2)).toThrow(AssertionError);
  expect(() => assert.deepStrictEqual({ a: [1] }, { a: [1] })).not.toThrow();
  expect(() => assert(false, 'falsy')).toThrow('falsy');
  try {
    assert.equal(1, 2);
  } catch (err) {
    expect((err as AssertionError).operator).toBe('==');
  }
});

test('AbortController aborts its signal once, with the reason', () => {
  const controller = new AbortController();
  const reasons: unknown[] = [];
  controller.signal.addEventListener('abort', () => reasons.push(controller.signal.reason));
  controller.abort('first');
  controller.abort('second');
  expect(reasons).toEqual(['first']);
  expect(() => controller.signal.throwIfAborted()).toThrow();
  expect(AbortSignal.abort().reason).toBeInstanceOf(Error);
});
