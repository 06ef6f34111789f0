import { z } from 'zod';
import { characterFault } from './text.ts';

/**
 * A person's sign-in address. Anything with a local part, one `@` and a host: `admin@localhost` (what `npm start`
 * prints) as much as `ada@acme.co.ke`. Whether mail reaches it is the mail system's business, not the sign-in
 * form's. Control characters and lone surrogates are refused by the shared text rule (domain/text.ts), spaces here.
 */
export const signInEmail = z
  .string()
  .trim()
  .min(1, 'Enter your email address.')
  .max(200, 'An email address has at most 200 characters.')
  .refine((v) => /^[^@]+@[^@]+$/.test(v), 'Enter an email address with an @, like admin@localhost.')
  .refine((v) => !/\s/.test(v) && !characterFault(v), 'An email address has no spaces or control characters.')
  .transform((v) => v.toLowerCase());
