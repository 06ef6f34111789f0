import { Field, Flash } from './components.tsx';

export interface LoginProps {
  csrf: string;
  next: string;
  email?: string;
  error?: string;
  fields?: Record<string, string>;
}

export const LoginForm = (p: LoginProps) => (
  <section class="login">
    <h1>Sign in</h1>
    <p class="muted">QuickBooks sync health for finance and admins.</p>
    {p.error ? <Flash tone="error">{p.error}</Flash> : null}
    <form method="post" action="/login" class="stack">
      <input type="hidden" name="_csrf" value={p.csrf} />
      <input type="hidden" name="next" value={p.next} />
      <Field label="Email" error={p.fields?.email}>
        {/* type="text": the server decides what an address is (admin@localhost included), not the browser. */}
        <input type="text" inputmode="email" autocapitalize="none" spellcheck={false} name="email" value={p.email ?? ''} autocomplete="username" required autofocus />
      </Field>
      <Field label="Password" error={p.fields?.password}>
        <input type="password" name="password" autocomplete="current-password" required />
      </Field>
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  </section>
);
