import { createServer, type Server, type Socket } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './private-postgres.ts';

export type SmtpMode = 'up' | 'down' | 'hang-up';

export type RestartableSmtp = {
  readonly url: string;
  readonly messages: ParsedMail[];
  /** 'down': nothing listens (connection refused); 'hang-up': connections are accepted and closed at once. */
  set(mode: SmtpMode): Promise<void>;
  /** Messages accepted per recipient address. */
  perRecipient(): Map<string, number>;
  close(): Promise<void>;
};

const recipientOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';

/**
 * A real SMTP server that can be taken down and brought back on the same port, the way a mail relay
 * restarts: the sender's configuration (SMTP_URL) never changes.
 */
export async function startRestartableSmtp(): Promise<RestartableSmtp> {
  const port = await freePort();
  const messages: ParsedMail[] = [];
  let listening: { close(): Promise<void> } | undefined;

  const listen = (server: Server) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });

  const up = async () => {
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      // Taken down means down: open connections are cut, not waited for.
      closeTimeout: 50,
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
    await listen(smtp.server);
    return { close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) };
  };

  const hangUp = async () => {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.destroy();
    });
    await listen(server);
    return {
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  };

  const sink: RestartableSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async set(mode) {
      await listening?.close();
      listening = undefined;
      if (mode === 'up') listening = await up();
      if (mode === 'hang-up') listening = await hangUp();
    },
    perRecipient() {
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(recipientOf(m), (counts.get(recipientOf(m)) ?? 0) + 1);
      return counts;
    },
    async close() {
      await listening?.close();
      listening = undefined;
    },
  };
  await sink.set('up');
  return sink;
}
