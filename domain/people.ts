import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL_SPACE_OR_LONE_SURROGATE = /[\u0000-\u0020\u007f]|\p{Cs}/u;

/**
 * A person's sign-in address. Anything with a local part, one `@` and a host: `admin@localhost` (what `npm start`
 * prints) as much as `ada@acme.co.ke`. Whether mail reaches it is the mail system's business, not the sign-in
 * form's. Lone surrogates are refused because Postgres cannot store them.
 */
export const signInEmail = z
  .string()
  .trim()
  .min(1, 'Enter your email address.')
  .max(200, 'An email address has at most 200 characters.')
  .refine((v) => /^[^@]+@[^@]+$/.test(v), 'Enter an email address with an @, like admin@localhost.')
  .refine((v) => !CONTROL_SPACE_OR_LONE_SURROGATE.test(v), 'An email address has no spaces or control characters.')
  .transform((v) => v.toLowerCase());
