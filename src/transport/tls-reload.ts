import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../logger.ts';
import type { TlsFiles } from './transport-settings.ts';

/** How often the certificate files are looked at: a stat of two files, cheap. */
export const certificateCheckMs = 60_000;
/** A certificate closer than this to its end is logged as a warning at every load. */
export const expiryWarningDays = 14;

export type LoadedCertificate = { cert: Buffer; key: Buffer; notAfter: Date; fingerprint256: string };

/** Both files, checked as a pair: a certificate with a key that is not its own is refused. */
export function loadCertificate(files: TlsFiles): LoadedCertificate {
  const cert = readFileSync(files.certFile);
  const key = readFileSync(files.keyFile);
  createSecureContext({ cert, key });
  const x509 = new X509Certificate(cert);
  return { cert, key, notAfter: new Date(x509.validTo), fingerprint256: x509.fingerprint256 };
}

export const tlsOptions = (loaded: LoadedCertificate) =>
  ({ cert: loaded.cert, key: loaded.key, minVersion: 'TLSv1.2' }) as const;

// Size, modification time and inode of both files: certbot renews by pointing a symlink at new files
// (new inode), other tools rewrite in place (new mtime).
function signature(files: TlsFiles): string {
  try {
    return [files.certFile, files.keyFile]
      .map((file) => {
        const s = statSync(file);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      })
      .join('|');
  } catch {
    return 'unreadable';
  }
}

/** Its end date and fingerprint at every load; a warning when renewal is due. */
export function reportCertificate(loaded: LoadedCertificate, logger: Logger, now = Date.now()): void {
  const daysLeft = Math.floor((loaded.notAfter.getTime() - now) / 86_400_000);
  const fields = { notAfter: loaded.notAfter.toISOString(), fingerprint256: loaded.fingerprint256, daysLeft };
  if (daysLeft < expiryWarningDays) logger.warn(fields, 'TLS certificate expires soon: renew it');
  else logger.info(fields, 'TLS certificate loaded');
}

export type CertificateReloader = { reload(): boolean; stop(): void };

/**
 * Renewed certificates take effect without a restart: new connections get the new pair, open ones
 * keep theirs. A pair that fails (half-written, or a key that is not the certificate's) is logged and
 * the previous one goes on serving; the next change to either file, or SIGHUP, tries again.
 */
export function watchCertificate(
  server: HttpsServer,
  files: TlsFiles,
  logger: Logger,
  intervalMs = certificateCheckMs,
): CertificateReloader {
  let seen = signature(files);
  const reload = () => {
    seen = signature(files);
    try {
      const loaded = loadCertificate(files);
      server.setSecureContext(tlsOptions(loaded));
      reportCertificate(loaded, logger);
      return true;
    } catch (error) {
      logger.error(
        { reason: (error as Error).message },
        'TLS certificate not reloaded: still serving the previous one',
      );
      return false;
    }
  };
  const timer = setInterval(() => signature(files) !== seen && reload(), intervalMs);
  timer.unref();
  return { reload, stop: () => clearInterval(timer) };
}
