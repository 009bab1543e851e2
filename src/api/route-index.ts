// Knows every registered path pattern so that an unknown method on a known path answers 405
// with Allow, and an unknown path 404.

export class RouteIndex {
  readonly #routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
  readonly #byUrl = new Map<string, Set<string>>();

  add(method: string, url: string): void {
    let methods = this.#byUrl.get(url);
    if (!methods) {
      methods = new Set();
      this.#byUrl.set(url, methods);
      const source = url
        .split("/")
        .map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/");
      this.#routes.push({ pattern: new RegExp(`^${source}/?$`), methods });
    }
    methods.add(method);
  }

  /** Methods allowed on a concrete path, empty when no route matches it. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.#routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}
