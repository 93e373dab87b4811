/**
 * Every route's method and URL pattern, collected as routes register, so a
 * request that matches a path under another method can be answered 405 with
 * an honest `Allow` header (fastify itself answers 404 for it).
 */
export class RouteTable {
  private readonly patterns = new Map<string, { regex: RegExp; methods: Set<string> }>();

  add(methods: string | string[], url: string): void {
    let entry = this.patterns.get(url);
    if (entry === undefined) {
      entry = { regex: patternToRegex(url), methods: new Set() };
      this.patterns.set(url, entry);
    }
    for (const method of Array.isArray(methods) ? methods : [methods]) entry.methods.add(method.toUpperCase());
  }

  /** The methods allowed on `path`, sorted; empty when no route matches it. */
  allowedMethods(path: string): string[] {
    const allowed = new Set<string>();
    for (const entry of this.patterns.values()) {
      if (entry.regex.test(path)) for (const method of entry.methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}

function patternToRegex(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      if (segment === '*') return '.*';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}
