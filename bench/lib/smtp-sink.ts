// The load script's SMTP sink: a real SMTP server (smtp-server, as tests/helpers/smtp-sink.ts) that
// keeps what every message says about itself, and wakes the simulated subject waiting for it.
// Messages are read with a few string operations, not a full MIME parser: the driver shares two cores
// with everything it measures.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type MailKind = 'verify' | 'acknowledgement' | 'other';

export type SinkMessage = {
  to: string;
  messageId: string;
  subject: string;
  kind: MailKind;
  reference: string | undefined;
  /** The verification token of a verify email (from its link). */
  token: string | undefined;
  receivedAt: number;
};

// The English subjects (src/templates/locales/en.json): the load files every request in English.
const kinds: [RegExp, MailKind][] = [
  [/^Confirm your privacy request /, 'verify'],
  [/^We have your privacy request /, 'acknowledgement'],
];

function header(head: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head);
  return match?.[1]?.trim() ?? '';
}

export function readMessage(raw: string, to: string, receivedAt: number): SinkMessage {
  const split = raw.indexOf('\r\n\r\n');
  // Folded header lines continue with whitespace: unfold them first.
  const head = raw.slice(0, split < 0 ? raw.length : split).replace(/\r\n[ \t]+/g, ' ');
  const subject = header(head, 'Subject');
  const kind = kinds.find(([pattern]) => pattern.test(subject))?.[1] ?? 'other';
  // Quoted-printable bodies break long lines with "=" + CRLF; a JWT holds no "=" of its own.
  const body = raw.slice(split + 4).replace(/=\r\n/g, '');
  return {
    to: to.toLowerCase(),
    messageId: header(head, 'Message-ID'),
    subject,
    kind,
    reference: /RD-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(subject)?.[0],
    token: kind === 'verify' ? /\/verify\/([\w.-]+)/.exec(body)?.[1] : undefined,
    receivedAt,
  };
}

type Waiter = { kind: MailKind; resolve(message: SinkMessage): void };

export type LoadSink = {
  url: string;
  messages: SinkMessage[];
  /** SMTP connections the senders opened (a pooled sender reuses a few). */
  readonly connections: number;
  /** Resolves with the first message of that kind to that address (already here, or when it comes). */
  waitFor(to: string, kind: MailKind, timeoutMs: number): Promise<SinkMessage | undefined>;
  close(): Promise<void>;
};

export async function startLoadSink(): Promise<LoadSink> {
  const messages: SinkMessage[] = [];
  const byRecipient = new Map<string, SinkMessage[]>();
  const waiting = new Map<string, Waiter[]>();
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 1024 * 1024,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        for (const rcpt of session.envelope.rcptTo) {
          const message = readMessage(raw, rcpt.address, Date.now());
          messages.push(message);
          byRecipient.set(message.to, [...(byRecipient.get(message.to) ?? []), message]);
          const waiters = waiting.get(message.to) ?? [];
          for (const w of waiters.filter((w) => w.kind === message.kind)) w.resolve(message);
          waiting.set(
            message.to,
            waiters.filter((w) => w.kind !== message.kind),
          );
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get connections() {
      return connections;
    },
    waitFor(to, kind, timeoutMs) {
      const key = to.toLowerCase();
      const here = byRecipient.get(key)?.find((m) => m.kind === kind);
      if (here) return Promise.resolve(here);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.set(
            key,
            (waiting.get(key) ?? []).filter((w) => w !== waiter),
          );
          resolve(undefined);
        }, timeoutMs);
        const waiter: Waiter = {
          kind,
          resolve(message) {
            clearTimeout(timer);
            resolve(message);
          },
        };
        waiting.set(key, [...(waiting.get(key) ?? []), waiter]);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
