import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../logger.ts';
import type { TlsFiles } from './transport-settings.ts';

/** How often the certificate files are looked at: a stat of two files, cheap. */
export const certificateCheckMs = 60_000;
/** A certificate closer than this to its end is logged as a warning at every load. */
const expiryWarningDays = 14;

export type LoadedCertificate = {
  cert: Buffer;
  key: Buffer;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
};

/** Both files, checked as a pair: a certificate with a key that is not its own is refused. */
export function loadCertificate(files: TlsFiles): LoadedCertificate {
  const cert = readFileSync(files.certFile);
  const key = readFileSync(files.keyFile);
  createSecureContext({ cert, key });
  const x509 = new X509Certificate(cert);
  return {
    cert,
    key,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint256: x509.fingerprint256,
  };
}

export const tlsOptions = (loaded: LoadedCertificate) =>
  ({ cert: loaded.cert, key: loaded.key, minVersion: 'TLSv1.2' }) as const;

// Inode, size, modification and change time of both files: certbot renews by pointing a symlink at new
// files (new inode), other tools rewrite in place (mtime), and fixing permissions changes only ctime.
function signature(files: TlsFiles): string {
  try {
    return [files.certFile, files.keyFile]
      .map((file) => {
        const s = statSync(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      })
      .join('|');
  } catch {
    return 'unreadable';
  }
}

/** Its end date and fingerprint at every load; a warning when renewal is due, an error once it is over. */
export function reportCertificate(loaded: LoadedCertificate, logger: Logger, now = new Date()): void {
  const daysLeft = Math.floor((loaded.notAfter.getTime() - now.getTime()) / 86_400_000);
  const fields = { notAfter: loaded.notAfter.toISOString(), fingerprint256: loaded.fingerprint256, daysLeft };
  if (loaded.notAfter <= now) logger.error(fields, 'TLS certificate has expired: renew it');
  else if (daysLeft < expiryWarningDays) logger.warn(fields, 'TLS certificate expires soon: renew it');
  else logger.info(fields, 'TLS certificate loaded');
}

export type CertificateReloader = { reload(): boolean; stop(): void };

/**
 * Renewed certificates take effect without a restart: new connections get the new pair, open ones
 * keep theirs. The files are reloaded once they have stayed the same for two looks (a renewal being
 * written is left to finish), or at once on reload() (SIGHUP). A pair that fails (half-written, a key
 * that is not the certificate's, a certificate already expired or not yet valid) is logged once and
 * the previous one goes on serving; any later change to either file tries again.
 */
export function watchCertificate(
  server: HttpsServer,
  files: TlsFiles,
  logger: Logger,
  options: { intervalMs?: number; now?: () => Date } = {},
): CertificateReloader {
  const now = options.now ?? (() => new Date());
  let served = signature(files);
  let refused: string | undefined;
  let settling: string | undefined;
  const reload = () => {
    const seen = signature(files);
    try {
      const loaded = loadCertificate(files);
      const at = now();
      if (loaded.notAfter <= at || loaded.notBefore > at)
        throw new Error(
          `the certificate is valid only from ${loaded.notBefore.toISOString()} to ${loaded.notAfter.toISOString()}`,
        );
      server.setSecureContext(tlsOptions(loaded));
      served = seen;
      refused = undefined;
      reportCertificate(loaded, logger, at);
      return true;
    } catch (error) {
      refused = seen;
      logger.error(
        { reason: (error as Error).message },
        'TLS certificate not reloaded: still serving the previous one',
      );
      return false;
    }
  };
  const look = () => {
    const seen = signature(files);
    if (seen === served || seen === refused) return;
    if (seen === settling) reload();
    settling = seen;
  };
  const timer = setInterval(look, options.intervalMs ?? certificateCheckMs);
  timer.unref();
  return { reload, stop: () => clearInterval(timer) };
}
