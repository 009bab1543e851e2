// The console's shell: sign-in gate, navigation, and the page for the current route.
import { useEffect, useState } from "preact/hooks";
import { whenSessionEnds } from "./api.ts";
import { Dashboard } from "./pages/dashboard.tsx";
import { Infrastructure } from "./pages/infrastructure.tsx";
import { Inventory } from "./pages/inventory.tsx";
import { Jobs } from "./pages/jobs.tsx";
import { Operations } from "./pages/operations.tsx";
import { Policies } from "./pages/policies.tsx";
import { Restore } from "./pages/restore.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { VmDetail } from "./pages/vm-detail.tsx";
import { Link, navigate, type Route, useRoute } from "./router.tsx";
import { forgetSession, resumeSession, type Session } from "./session.ts";

const NAV = [
  ["dashboard", "Dashboard"],
  ["inventory", "Inventory"],
  ["policies", "Policies"],
  ["jobs", "Jobs"],
  ["restore", "Restore"],
  ["operations", "Operations"],
  ["infrastructure", "Infrastructure"],
] as const;

export function App() {
  const [session, setSession] = useState<Session | undefined>(() => resumeSession());
  const [notice, setNotice] = useState<string>();
  const route = useRoute();

  useEffect(() => {
    whenSessionEnds((message) => {
      forgetSession();
      setSession(undefined);
      setNotice(message);
    });
  }, []);

  // sign-in while signed out, the dashboard for "/" and after signing in
  useEffect(() => {
    if (!session && route.page !== "sign-in") {
      const here = location.pathname + location.search;
      navigate(`/sign-in${here === "/" ? "" : `?next=${encodeURIComponent(here)}`}`, true);
    } else if (session && (route.page === undefined || route.page === "sign-in")) {
      const next = route.query.get("next");
      navigate(next?.startsWith("/") && !next.startsWith("//") ? next : "/dashboard", true);
    }
  }, [session, route]);

  // keyboard and screen-reader users land on the new page's title
  useEffect(() => {
    document.querySelector<HTMLElement>("main h1")?.focus({ preventScroll: true });
  }, [route.page, route.rest.join("/")]);

  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  const signOut = () => {
    forgetSession();
    setSession(undefined);
    setNotice("You are signed out.");
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/dashboard" class="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>Open Backup &amp; Recovery</span>
        </Link>
        <div class="who">
          <span class="muted" title="Signed-in API client">
            {session.clientId}
          </span>
          <button type="button" class="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="nav" aria-label="Console">
        {NAV.map(([page, label]) => (
          <Link key={page} href={`/${page}`} aria-current={route.page === page ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      <main id="main">
        <Page session={session} route={route} />
      </main>
    </>
  );
}

function Page({ session, route }: { session: Session; route: Route }) {
  useEffect(() => {
    const label = NAV.find(([p]) => p === route.page)?.[1];
    document.title = label ? `${label} · obr` : "obr";
  }, [route.page]);
  switch (route.page) {
    case "inventory":
      return route.rest[0] ? <VmDetail session={session} vmId={route.rest[0]} /> : <Inventory session={session} route={route} />;
    case "policies":
      return <Policies session={session} route={route} />;
    case "jobs":
      return <Jobs session={session} />;
    case "restore":
      return <Restore session={session} route={route} />;
    case "operations":
      return <Operations session={session} route={route} />;
    case "infrastructure":
      return <Infrastructure session={session} />;
    default:
      return <Dashboard session={session} />;
  }
}
