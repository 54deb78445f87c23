import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST as received; `answered` is the status sent, or 0 while held (hanging). */
export type Delivery = { headers: IncomingHttpHeaders; body: string; answered: number; aborted: boolean };
export type Receiver = {
  url: string;
  deliveries: Delivery[];
  /** What to answer; `hang` answers nothing and keeps the connection open. */
  status: number | 'hang';
  close(): Promise<void>;
};

/** A real HTTP endpoint that records every POST and answers with `status`. */
export async function startReceiver(): Promise<Receiver> {
  const receiver = { deliveries: [] as Delivery[], status: 204 } as Receiver;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const status = receiver.status;
      const delivery: Delivery = {
        headers: req.headers,
        body,
        answered: status === 'hang' ? 0 : status,
        aborted: false,
      };
      receiver.deliveries.push(delivery);
      res.on('close', () => {
        if (!res.writableFinished) delivery.aborted = true;
      });
      // A redirect names a place to go (here, back to itself), so following it would show.
      if (status !== 'hang')
        res.writeHead(status, status >= 300 && status < 400 ? { location: receiver.url } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
