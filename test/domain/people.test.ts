import { describe, expect, it } from 'vitest';
import { signInEmail } from '../../domain/people.ts';

describe('sign-in addresses', () => {
  it('accepts any address with a local part, one @ and a host, and lower-cases it', () => {
    for (const email of ['admin@localhost', 'finance@localhost', 'Ada@Acme.co.ke', 'a+b@x', 'müller@bücher.example']) {
      expect(signInEmail.parse(` ${email} `)).toBe(email.toLowerCase());
    }
  });

  it('refuses what cannot be an address or cannot be stored, with a sentence a person understands', () => {
    const message = (v: string) => signInEmail.safeParse(v).error?.issues[0]?.message;
    expect(message('')).toBe('Enter your email address.');
    expect(message('admin.localhost')).toBe('Enter an email address with an @, like admin@localhost.');
    expect(message('a@b@c')).toBe('Enter an email address with an @, like admin@localhost.');
    expect(message('@localhost')).toBe('Enter an email address with an @, like admin@localhost.');
    expect(message('ad min@localhost')).toBe('An email address has no spaces or control characters.');
    expect(message('admin@local\u0000host')).toBe('An email address has no spaces or control characters.');
    expect(message('admin@\ud800host')).toBe('An email address has no spaces or control characters.');
    expect(message(`${'a'.repeat(200)}@x`)).toBe('An email address has at most 200 characters.');
  });
});
