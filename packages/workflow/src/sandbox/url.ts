/**
 * `URL` and `URLSearchParams` inside the isolate. Parsing follows the WHATWG URL standard because it is done
 * by the worker's own `URL` through a synchronous host call (the parse is deterministic); query strings are
 * handled here.
 *
 * @module
 */

/** The components of a parsed URL, as the host returns them. */
export interface UrlParts {
  href: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  origin: string;
}

/** Host functions: parse `input` against `base`, or set one component of `href`. Both throw `TypeError`. */
export interface UrlHost {
  parse(input: string, base: string | undefined): UrlParts;
  set(href: string, part: string, value: string): UrlParts;
}

let host: UrlHost | undefined;

/** Installs the host functions (once per isolate context). */
export function setUrlHost(h: UrlHost): void {
  host = h;
}

function requireHost(): UrlHost {
  if (host === undefined) throw new Error('URL is not available: the worker did not install its URL parser');
  return host;
}

function encodeQueryComponent(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decodeQueryComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Query string parameters (`?a=1&b=2`). */
export class URLSearchParams implements Iterable<[string, string]> {
  private list: [string, string][] = [];
  /** Set when the parameters belong to a `URL`, whose search it updates. */
  private onChange?: (search: string) => void;

  constructor(init?: string | Record<string, string> | Iterable<[string, string]> | URLSearchParams) {
    if (init === undefined || init === null) return;
    if (typeof init === 'string') {
      this.parse(init);
    } else if (typeof (init as Iterable<[string, string]>)[Symbol.iterator] === 'function') {
      for (const pair of init as Iterable<[string, string]>) {
        const entry = [...pair];
        if (entry.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
        this.list.push([String(entry[0]), String(entry[1])]);
      }
    } else {
      for (const [k, v] of Object.entries(init as Record<string, string>)) this.list.push([k, String(v)]);
    }
  }

  /** @internal */
  static linked(search: string, onChange: (search: string) => void): URLSearchParams {
    const params = new URLSearchParams(search);
    params.onChange = onChange;
    return params;
  }

  /** @internal */
  reset(search: string): void {
    this.list = [];
    this.parse(search);
  }

  private parse(query: string): void {
    const q = query.startsWith('?') ? query.slice(1) : query;
    if (q === '') return;
    for (const part of q.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const value = eq < 0 ? '' : part.slice(eq + 1);
      this.list.push([decodeQueryComponent(name), decodeQueryComponent(value)]);
    }
  }

  private changed(): void {
    if (this.onChange) {
      const s = this.toString();
      this.onChange(s === '' ? '' : `?${s}`);
    }
  }

  get size(): number {
    return this.list.length;
  }
  append(name: string, value: string): void {
    this.list.push([String(name), String(value)]);
    this.changed();
  }
  delete(name: string, value?: string): void {
    this.list = this.list.filter(([k, v]) => !(k === name && (value === undefined || v === value)));
    this.changed();
  }
  get(name: string): string | null {
    return this.list.find(([k]) => k === name)?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.list.filter(([k]) => k === name).map(([, v]) => v);
  }
  has(name: string, value?: string): boolean {
    return this.list.some(([k, v]) => k === name && (value === undefined || v === value));
  }
  set(name: string, value: string): void {
    const i = this.list.findIndex(([k]) => k === name);
    if (i < 0) {
      this.list.push([String(name), String(value)]);
    } else {
      this.list[i] = [String(name), String(value)];
      this.list = this.list.filter(([k], j) => j <= i || k !== name);
    }
    this.changed();
  }
  sort(): void {
    this.list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.changed();
  }
  forEach(fn: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void {
    for (const [k, v] of this.list) fn.call(thisArg, v, k, this);
  }
  keys(): IterableIterator<string> {
    return this.list.map(([k]) => k)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return this.list.map(([, v]) => v)[Symbol.iterator]();
  }
  entries(): IterableIterator<[string, string]> {
    return this.list.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
  toString(): string {
    return this.list.map(([k, v]) => `${encodeQueryComponent(k)}=${encodeQueryComponent(v)}`).join('&');
  }
}

const settable = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];

/** A parsed URL. */
export class URL {
  // Accessors defined on the prototype below.
  declare href: string;
  declare protocol: string;
  declare username: string;
  declare password: string;
  declare host: string;
  declare hostname: string;
  declare port: string;
  declare pathname: string;
  declare search: string;
  declare hash: string;
  private parts: UrlParts;
  private params?: URLSearchParams;

  constructor(url: string | URL, base?: string | URL) {
    this.parts = requireHost().parse(String(url), base === undefined ? undefined : String(base));
  }

  static canParse(url: string, base?: string): boolean {
    try {
      requireHost().parse(String(url), base === undefined ? undefined : String(base));
      return true;
    } catch {
      return false;
    }
  }

  /** @internal */
  update(part: string, value: string): void {
    this.parts = requireHost().set(this.parts.href, part, String(value));
    this.params?.reset(this.parts.search);
  }

  get searchParams(): URLSearchParams {
    if (this.params === undefined) {
      this.params = URLSearchParams.linked(this.parts.search, (search) => {
        this.parts = requireHost().set(this.parts.href, 'search', search);
      });
    }
    return this.params;
  }
  get origin(): string {
    return this.parts.origin;
  }
  toString(): string {
    return this.parts.href;
  }
  toJSON(): string {
    return this.parts.href;
  }
}

for (const part of settable) {
  Object.defineProperty(URL.prototype, part, {
    configurable: true,
    enumerable: true,
    get(this: { parts: UrlParts }) {
      return this.parts[part as keyof UrlParts];
    },
    set(this: { update(part: string, value: string): void }, value: string) {
      this.update(part, value);
    },
  });
}
