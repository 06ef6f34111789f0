import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { writeAudit } from '../../../db/queries/audit.ts';
import { signInEmail } from '../../../domain/people.ts';
import { textField } from '../../../domain/text-schema.ts';
import { authenticate, createSession, deleteSession, findSession, normalizeEmail } from '../../../db/queries/users.ts';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie, signedIn, tokensMatch, type LoginThrottle } from '../auth.ts';
import type { ConsoleEnv } from '../env.ts';
import { consoleHeaders, formFields, isSecureRequest, ownOrigin, safeNext, sendPage } from '../http.tsx';
import { LoginForm, type LoginProps } from '../views/login.tsx';

/** A pre-session CSRF token for the sign-in form (double submit: cookie and field must match). */
const LOGIN_COOKIE = 'qsh_login';

const loginSchema = z.object({
  email: signInEmail,
  // A password is judged as typed (never trimmed), but under the same rule as every other text.
  password: textField({ label: 'The password', max: 500, required: 'Enter your password.', keepSpaces: true }),
  next: z.string().optional(),
});

function loginToken(c: Context<ConsoleEnv>): string {
  const token = randomBytes(24).toString('base64url');
  setCookie(c, LOGIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure: isSecureRequest(c), path: '/login', maxAge: 3600 });
  return token;
}

function loginPage(c: Context<ConsoleEnv>, props: Omit<LoginProps, 'csrf'>, status: 200 | 401 | 403 | 422 | 429 = 200) {
  return sendPage(c, 'Sign in', null, <LoginForm {...props} csrf={loginToken(c)} />, status);
}

/** The audit actor of a failed sign-in: the typed address only when it is one (never arbitrary text a visitor chose). */
function attemptedActor(typed: string): string {
  const email = signInEmail.safeParse(typed);
  return email.success ? `user:${normalizeEmail(email.data)}` : 'user:(not a valid address)';
}

function minutes(ms: number): string {
  const n = Math.max(1, Math.ceil(ms / 60_000));
  return n === 1 ? '1 minute' : `${n} minutes`;
}

/** `/login` (GET, POST) and `/logout` (POST). */
export function sessionRoutes(throttle: LoginThrottle) {
  const app = new Hono<ConsoleEnv>();

  app.get('/login', consoleHeaders, async (c) => {
    const next = safeNext(c.req.query('next'), ownOrigin(c));
    const id = getCookie(c, SESSION_COOKIE);
    if (id && (await findSession(c.get('deps').db, id))) return c.redirect(next, 303);
    return loginPage(c, { next });
  });

  app.post('/login', consoleHeaders, async (c) => {
    const { db, logger } = c.get('deps');
    const form = await formFields(c);
    const next = safeNext(form.next, ownOrigin(c));
    if (!tokensMatch(form._csrf, getCookie(c, LOGIN_COOKIE))) {
      return loginPage(c, { next, email: form.email, error: 'The sign-in form expired. Please sign in again.' }, 403);
    }
    const parsed = loginSchema.safeParse(form);
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues) fields[String(issue.path[0])] ??= issue.message;
      return loginPage(c, { next, email: form.email, fields }, 422);
    }
    const email = normalizeEmail(parsed.data.email);
    // Counted before the password is checked, so parallel guesses cannot all pass this point.
    const verdict = await throttle.attempt(c, email);
    if (!verdict.allowed) {
      logger.warn({ by: verdict.by }, 'sign-in refused: too many attempts');
      c.header('Retry-After', String(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))));
      const error =
        verdict.by === 'account'
          ? `Too many failed sign-ins for this email, so signing in to it is paused for its safety. Try again in ${minutes(verdict.retryAfterMs)}.`
          : `Too many sign-in attempts from your network. Try again in ${minutes(verdict.retryAfterMs)}.`;
      return loginPage(c, { next, email, error }, 429);
    }
    const user = await authenticate(db, email, parsed.data.password);
    if (!user) {
      await writeAudit(db, { tenantId: null, actor: attemptedActor(email), action: 'session.sign_in', succeeded: false });
      return loginPage(c, { next, email, error: 'That email and password do not match an account.' }, 401);
    }
    await throttle.succeeded(c, email);
    // A session id the browser had before (someone else's on a shared machine, or one planted) ends here.
    const previous = getCookie(c, SESSION_COOKIE);
    if (previous) await deleteSession(db, previous);
    const session = await createSession(db, user.id);
    setSessionCookie(c, session.id);
    deleteCookie(c, LOGIN_COOKIE, { path: '/login', secure: isSecureRequest(c) });
    await writeAudit(db, { tenantId: user.tenantId, actor: `user:${user.email}`, action: 'session.sign_in' });
    return c.redirect(next, 303);
  });

  app.post('/logout', ...signedIn, async (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    const { db } = c.get('deps');
    if (id) await deleteSession(db, id);
    clearSessionCookie(c);
    const user = c.get('user');
    await writeAudit(db, { tenantId: user.tenantId, actor: `user:${user.email}`, action: 'session.sign_out' });
    return c.redirect('/login', 303);
  });

  return app;
}
