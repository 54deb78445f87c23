import { Router } from 'express';
import type { SecurityTxtSettings } from './transport-settings.ts';

/** The RFC 9116 file: one field per line, Expires as an RFC 3339 UTC date-time. */
export function securityTxtBody(settings: SecurityTxtSettings, publicUrl: string): string {
  const lines = [
    ...settings.contacts.map((contact) => `Contact: ${contact}`),
    `Expires: ${settings.expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    ...(settings.policyUrl ? [`Policy: ${settings.policyUrl}`] : []),
    `Preferred-Languages: ${settings.languages.join(', ')}`,
    `Canonical: ${publicUrl}/.well-known/security.txt`,
  ];
  return `${lines.join('\n')}\n`;
}

/** GET /.well-known/security.txt; without SECURITY_CONTACT nothing is mounted (the 404 page answers). */
export function securityTxtRoutes(settings: SecurityTxtSettings | undefined, publicUrl: string): Router {
  const router = Router();
  if (!settings) return router;
  const body = securityTxtBody(settings, publicUrl);
  router.get('/.well-known/security.txt', (_req, res) => {
    res.type('text/plain; charset=utf-8').set('Cache-Control', 'public, max-age=86400').send(body);
  });
  return router;
}
