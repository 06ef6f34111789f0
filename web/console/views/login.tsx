import { FieldError, Flash } from './components.tsx';

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
      <label class="field">
        <span>Email</span>
        {/* type="text": the server decides what an address is (admin@localhost included), not the browser. */}
        <input type="text" inputmode="email" autocapitalize="none" spellcheck={false} name="email" value={p.email ?? ''} autocomplete="username" required autofocus />
        <FieldError error={p.fields?.email} />
      </label>
      <label class="field">
        <span>Password</span>
        <input type="password" name="password" autocomplete="current-password" required />
        <FieldError error={p.fields?.password} />
      </label>
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
  </section>
);
