import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type SmtpSink = {
  url: string;
  messages: ParsedMail[];
  /** While true, every message is refused with a temporary 451 error. */
  refusing: boolean;
  refusedCount: number;
  /** SMTP connections opened to the sink so far. */
  connections: number;
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
};

/** A real SMTP server on a random loopback port that parses and keeps what it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = {
    url: '',
    messages: [],
    refusing: false,
    refusedCount: 0,
    connections: 0,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${sink.messages.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return sink.messages;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      sink.connections++;
      callback();
    },
    onData(stream, _session, callback) {
      if (sink.refusing) {
        stream.resume();
        stream.on('end', () => {
          sink.refusedCount++;
          const error = Object.assign(new Error('Mailbox temporarily unavailable'), { responseCode: 451 });
          callback(error);
        });
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          sink.messages.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  return sink;
}
