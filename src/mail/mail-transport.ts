import nodemailer from 'nodemailer';
import { concurrency } from '../jobs/queues.ts';

export type OutgoingMail = {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
};

export interface MailTransport {
  /** 'smtp' or 'dev-mailbox', recorded on the outbox row. */
  readonly name: string;
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/**
 * Connections kept open to the relay by each process. Each mail handler used to open its own
 * connection per message (TCP, greeting, EHLO, STARTTLS, AUTH: several round trips, and a TLS
 * handshake, before each email); a pool reuses them. One per concurrent mail handler is enough.
 */
export const smtpPoolSize = concurrency['mail.send'];

/** SMTP through nodemailer; without SMTP_URL the outbox itself is the dev mailbox, so sending is a no-op. */
export function createMailTransport(smtpUrl: string | undefined): MailTransport {
  if (!smtpUrl) return { name: 'dev-mailbox', async send() {}, close() {} };
  // Options in the URL win (nodemailer merges them over these): `?pool=false` turns pooling off.
  const transporter = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: smtpPoolSize });
  return {
    name: 'smtp',
    async send(mail) {
      await transporter.sendMail({
        messageId: mail.messageId,
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
      });
    },
    close() {
      transporter.close();
    },
  };
}
