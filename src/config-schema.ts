import { z } from 'zod';
import { backupDirSetting, backupKeepSetting, backupScheduleSetting } from './backup/backup-settings.ts';
import { LOCALES } from './i18n/i18n.ts';
import { formRegionsSetting } from './requests/regions.ts';
import {
  metricsTokenSetting,
  securityContactSetting,
  securityExpiresSetting,
  securityLanguagesSetting,
  tlsFileSetting,
  trustProxySetting,
} from './transport/transport-settings.ts';

// The whole environment contract of DESIGN.md "Configuration". Nothing else reads process.env.
const ianaZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Warsaw');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be a comma-separated list of CIDRs such as 10.0.0.0/8');

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Rightsdesk <privacy@localhost>'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ORG_NAME: z.string().min(1).default('Example Organisation'),
  ORG_LOCALE: z.enum(LOCALES).default('en'),
  ORG_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as PL')
    .default('PL'),
  ORG_TIMEZONE: ianaZone.default('Europe/Warsaw'),
  CCPA_BUSINESS_DAYS: z.enum(['weekdays', 'us-federal', 'us-ca']).default('weekdays'),
  CALOPPA_RESPONSE_DAYS: z.coerce.number().int().min(3).max(366).default(30),
  ORG_DEFAULT_LAW: z.string().min(2).default('gdpr'),
  CCPA_APPLIES: z.enum(['true', 'false']).default('true'),
  /** The places the web form lists (comma-separated, in order); everyone else picks "elsewhere". */
  FORM_REGIONS: formRegionsSetting,
  VERIFICATION_TOKEN_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 14)
    .default(24),
  VERIFICATION_REMINDER_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 13)
    .default(24),
  UNVERIFIED_EXPIRY_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  INTAKE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(30),
  INTAKE_LIMIT_PER_EMAIL: z.coerce.number().int().min(1).default(5),
  /** POSTs to the emailed links (verify, status, download) per client IP per 15 minutes. */
  LINK_LIMIT_PER_IP: z.coerce.number().int().min(1).default(60),
  SOURCES_FILE: z.string().min(1).optional(),
  /** The demo data sources on the embedded default: on unless turned off; never in production. */
  DEMO_SOURCES: z.enum(['on', 'off']).optional(),
  /** How long a source that answered 202 may take to call back before its task fails. */
  SOURCE_CALLBACK_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
  /** Days a download link (and its bundle) stays valid after release. */
  EXPORT_LINK_DAYS: z.coerce.number().int().min(1).max(30).default(7),
  RECORDS_RETENTION_MONTHS: z.coerce.number().int().min(1).max(240).default(24),
  /** on: the DPO previews each export bundle and releases it; off: released as soon as it is built. */
  EXPORT_REVIEW: z.enum(['on', 'off']).default('off'),
  /** The Art. 15(1) data map the export bundle's about.html/about.json are made from. */
  DATA_MAP_FILE: z.string().min(1).optional(),
  STAFF_ALLOWED_IPS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()) : []))
    .pipe(z.array(cidr)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HTTPS served directly: a PEM certificate (chain) and its private key, both or neither. */
  TLS_CERT_FILE: tlsFileSetting,
  TLS_KEY_FILE: tlsFileSetting,
  /** Which proxies may set X-Forwarded-For: unset/false (none), addresses/CIDRs, or a hop count. */
  TRUST_PROXY: trustProxySetting,
  /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>` from anywhere. */
  METRICS_TOKEN: metricsTokenSetting,
  /** /.well-known/security.txt (RFC 9116): served only when SECURITY_CONTACT is set. */
  SECURITY_CONTACT: securityContactSetting,
  SECURITY_POLICY_URL: url(['https:']).optional(),
  SECURITY_TXT_EXPIRES: securityExpiresSetting,
  SECURITY_LANGUAGES: securityLanguagesSetting,
  /** Request events POSTed to this URL, signed per Standard Webhooks with WEBHOOK_SECRET (both or neither). */
  WEBHOOK_URL: z.string().optional(),
  WEBHOOK_SECRET: z.string().optional(),
  /** Scheduled backups of the embedded database: cron (UTC), how many to keep, where. */
  BACKUP_SCHEDULE: backupScheduleSetting,
  BACKUP_KEEP: backupKeepSetting,
  BACKUP_DIR: backupDirSetting,
});

export type Env = z.infer<typeof envSchema>;
