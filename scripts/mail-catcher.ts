/**
 * The development SMTP catcher `npm start` runs in its own process (as it does the simulator) when no SMTP_URL is set: the worker sends every
 * notification e-mail to it through the product's real SMTP path (nodemailer), and each message it receives is
 * parsed (mailparser) and handed to `onMessage` — `npm start` stores it in Postgres, where the console's "Caught mail"
 * page reads it. It accepts mail for anyone and relays nothing; it listens on 127.0.0.1 only.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { CaughtMessage } from '../db/queries/caught-mail.ts';

export interface MailCatcher {
  port: number;
  /** What SMTP_URL the worker is given. */
  url: string;
  close(): Promise<void>;
}

/** Messages larger than this are refused (notifications are a few kilobytes). */
const MAX_BYTES = 5 * 1024 * 1024;

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? '')).filter(Boolean);

export async function startMailCatcher(opts: { port: number; host?: string; onMessage(m: CaughtMessage): Promise<void>; onError?(err: Error): void }): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  const server = new SMTPServer({
    // Development only: no TLS (nodemailer would otherwise upgrade to the library's published test certificate),
    // and no authentication needed.
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_BYTES,
    logger: false,
    banner: 'QBO Sync Health development mail catcher',
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (mail) => {
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          const headers: Record<string, string> = {};
          for (const [k, v] of mail.headers) if (k.startsWith('x-qsh-')) headers[k] = String(v);
          await opts.onMessage({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : addresses(mail.from)[0] ?? '',
            rcptTo: envelopeTo.length ? envelopeTo : addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? null,
            headers,
          });
          callback();
        })
        .catch((err: Error) => {
          opts.onError?.(err);
          callback(Object.assign(new Error(`Could not keep the message: ${err.message}`), { responseCode: 451 }));
        });
    },
  });
  server.on('error', (err) => opts.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
