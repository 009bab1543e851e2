// Sign-in with an API client's credentials: the SDK asks the token endpoint, and the console
// keeps going with that client's token (see session.ts).
import { useState } from "preact/hooks";
import { TokenError } from "../api.ts";
import { Field } from "../components.tsx";
import { type Session, signIn } from "../session.ts";

export function SignIn({ notice, onSignedIn }: { notice: string | undefined; onSignedIn: (s: Session) => void }) {
  const [clientId, setClientId] = useState("");
  const [secret, setSecret] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(clientId.trim(), secret));
    } catch (err) {
      if (err instanceof TokenError && err.status === 401) setError("The client ID or secret is wrong.");
      else if (err instanceof TokenError && err.status === 429) setError("Too many failed attempts: wait a minute and try again.");
      else setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <form class="card sign-in-card" onSubmit={submit} aria-describedby="sign-in-help">
        <div class="brand">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <h1 tabIndex={-1}>Open Backup &amp; Recovery</h1>
        </div>
        <p id="sign-in-help" class="muted">
          Sign in with an API client's credentials. The first admin's are in <code>obr-data/credentials.json</code>; create more with{" "}
          <code>obr clients create --name console --role operator</code>.
        </p>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <Field label="Client ID">
          <input name="clientId" autoComplete="username" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
        </Field>
        <Field label="Client secret">
          <input name="clientSecret" type="password" autoComplete="current-password" required value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        </Field>
        {error ? (
          <p class="notice error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
