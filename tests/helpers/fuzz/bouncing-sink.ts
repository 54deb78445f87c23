import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SmtpSink } from '../smtp-sink.ts';

/**
 * An SMTP sink like tests/helpers/smtp-sink.ts that also bounces, at RCPT, every address containing
 * "bounce" the way real servers do: "550 5.1.1 <address>: Recipient address rejected". The address in
 * that answer is what a careless log line would keep.
 */
export async function startBouncingSink(): Promise<SmtpSink & { bounced: number }> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      sink.connections++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (!address.address.includes('bounce')) return callback();
      sink.bounced++;
      const error = new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`);
      callback(Object.assign(error, { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const sink = {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refusing: false,
    refusedCount: 0,
    connections: 0,
    bounced: 0,
    async waitFor(count: number, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return messages;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
