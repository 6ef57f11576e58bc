import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { RenderedEmail } from './email-templates.js';

export interface EmailSenderOptions {
  /** smtp://user:pass@host:port or smtps://…; query parameters override the defaults below */
  smtpUrl: string;
  /** envelope and header sender, e.g. `Coaching reminders <reminders@example.com>` */
  from: string;
}

export type ReminderEmail = RenderedEmail & {
  to: { name: string; email: string };
  /** sets X-Reminder-Id and a Message-ID that stays the same across retries */
  reminderId?: string;
};

const HEADER_NAME = /^[!-9;-~]+$/; // printable ASCII without ':' (RFC 5322 field name)

/**
 * Sends one reminder email through a pooled SMTP transport. Failures throw; the job around
 * it decides whether to retry. One instance per process: the pool is the point.
 */
export class EmailSender {
  private transport?: Nodemailer.Transporter;
  private readonly messageIdDomain: string;

  constructor(private readonly options: EmailSenderOptions) {
    this.messageIdDomain = /@([^\s>@]+)>?\s*$/.exec(options.from)?.[1] ?? 'reminders.invalid';
  }

  async send(mail: ReminderEmail, headers: Record<string, string> = {}): Promise<{ messageId: string }> {
    const all: Record<string, string> = { ...headers };
    if (mail.reminderId) all['X-Reminder-Id'] = mail.reminderId;
    for (const [name, value] of Object.entries(all)) {
      if (!HEADER_NAME.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid email header ${JSON.stringify(name)}`);
    }
    const info = await this.transporter().sendMail({
      to: { name: mail.to.name, address: mail.to.email },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      headers: all,
      // if a retry follows a send whose acknowledgement got lost, mail clients can at
      // least recognise the second copy as the same message
      ...(mail.reminderId ? { messageId: `<reminder-${mail.reminderId}@${this.messageIdDomain}>` } : {}),
    });
    return { messageId: info.messageId };
  }

  async close(): Promise<void> {
    this.transport?.close();
  }

  /** nodemailer loads with the first email (by `require`, as undici in ./webhook-sender.ts): the API never holds it. */
  private transporter(): Nodemailer.Transporter {
    this.transport ??= (createRequire(import.meta.url)('nodemailer') as typeof Nodemailer).createTransport(
      // a reminder job should fail and retry rather than hang on a dead relay for minutes
      { url: this.options.smtpUrl, pool: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
      { from: this.options.from },
    );
    return this.transport;
  }
}
