// A small history router: the console's pages are real paths (/inventory/<id>), which the server
// answers with index.html (src/api/routes/console-pages.ts lists their first segments).
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { CONSOLE_PAGES, type ConsolePage } from "../../src/api/routes/console-pages.ts";

export interface Route {
  page: ConsolePage | undefined;
  /** Path segments after the page's own. */
  rest: string[];
  query: URLSearchParams;
}

const EVENT = "obr:navigate";

export function parseRoute(pathname: string, search: string): Route {
  const [first = "", ...rest] = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const page = CONSOLE_PAGES.find((p) => p === first);
  return { page, rest, query: new URLSearchParams(search) };
}

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new Event(EVENT));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const update = () => {
      setRoute(parseRoute(location.pathname, location.search));
      window.scrollTo(0, 0);
    };
    addEventListener("popstate", update);
    addEventListener(EVENT, update);
    return () => {
      removeEventListener("popstate", update);
      removeEventListener(EVENT, update);
    };
  }, []);
  return route;
}

interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  "aria-current"?: "page" | undefined;
}

/** An <a> that navigates without a reload (a modified click still opens a new tab). */
export function Link({ href, children, ...attributes }: LinkProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...attributes}>
      {children}
    </a>
  );
}
