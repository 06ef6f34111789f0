import { describe, expect, it } from 'vitest';
import { signInEmail } from '../../domain/people.ts';

describe('sign-in addresses', () => {
  it('accepts any address with a local part, one @ and a host, and lower-cases it', () => {
    for (const email of ['admin@localhost', 'finance@localhost', 'Ada@Acme.co.ke', 'a+b@x', 'müller@bücher.example']) {
      expect(signInEmail.parse(` ${email} `)).toBe(email.toLowerCase());
    }
  });

  /** Each sentence a person reads, with the inputs that earn it. */
  const REFUSALS: Array<[message: string, inputs: string[]]> = [
    ['Enter your email address.', ['']],
    ['Enter an email address with an @, like admin@localhost.', ['admin.localhost', 'a@b@c', '@localhost']],
    ['An email address has no spaces or control characters.', ['ad min@localhost', 'admin@local\u0000host', 'admin@\ud800host']],
    ['An email address has at most 200 characters.', [`${'a'.repeat(200)}@x`]],
  ];

  it.each(REFUSALS)('refuses what cannot be an address or cannot be stored, with a sentence a person understands: %s', (message, inputs) => {
    for (const v of inputs) expect(signInEmail.safeParse(v).error?.issues[0]?.message, JSON.stringify(v)).toBe(message);
  });
});
