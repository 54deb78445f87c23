import { execFileSync } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import path from 'node:path';
import { connect } from 'node:tls';

/** A self-signed certificate for localhost and 127.0.0.1, made by openssl for this test only. */
export function selfSigned(dir: string, name: string, days = 1): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', String(days)].concat(
      ['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert],
    ),
    { stdio: 'ignore' },
  );
  return { cert, key };
}

export type Answer = { status: number; headers: Record<string, unknown>; body: string };

export function fetchHttps(url: string, ca?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { agent: false, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to the URL is offered. */
export function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}
