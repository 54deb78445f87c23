import nodemailer from 'nodemailer';

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

/** SMTP through nodemailer; without SMTP_URL the outbox itself is the dev mailbox, so sending is a no-op. */
export function createMailTransport(smtpUrl: string | undefined): MailTransport {
  if (!smtpUrl) return { name: 'dev-mailbox', async send() {}, close() {} };
  const transporter = nodemailer.createTransport(smtpUrl);
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
