import { createTransport } from 'nodemailer';

/** One e-mail as the notification activities send it: plain text, one recipient per message. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** Headers that let a mail client thread a notification with its record, and a catcher find it. */
  headers?: Record<string, string>;
}

/** What the SMTP server answered for an accepted message. */
export interface MailReceipt {
  messageId: string;
  response: string;
}

/**
 * The product's SMTP connection (nodemailer over `SMTP_URL`, e.g. `smtp://user:pass@mail.example:587` or `smtps://…`).
 * Temporal owns retries: nodemailer sends once per call, and a refusal reaches the activity with its SMTP code.
 */
export interface Mailer {
  send(mail: OutgoingMail): Promise<MailReceipt>;
  close(): void;
}

/** A refusal by the SMTP server: 5xx is permanent (wrong address, rejected), 4xx and network errors are worth retrying. */
export class MailRefused extends Error {
  constructor(
    message: string,
    readonly responseCode: number | undefined,
  ) {
    super(message);
    this.name = 'MailRefused';
  }

  get permanent(): boolean {
    return this.responseCode !== undefined && this.responseCode >= 500;
  }
}

export function createMailer(smtpUrl: string, opts: { timeoutMs?: number } = {}): Mailer {
  const timeout = opts.timeoutMs ?? 30_000;
  const url = new URL(smtpUrl);
  for (const [k, v] of Object.entries({ connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout })) if (!url.searchParams.has(k)) url.searchParams.set(k, String(v));
  const transport = createTransport(url.toString());
  return {
    async send(mail) {
      try {
        const info = await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.headers ? { headers: mail.headers } : {}) });
        return { messageId: String(info.messageId ?? ''), response: String(info.response ?? '') };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        throw new MailRefused(e.message, e.responseCode);
      }
    },
    close: () => transport.close(),
  };
}
