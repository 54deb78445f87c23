import path from 'node:path';
import { type BackupSettings, backupSettings } from './backup/backup-settings.ts';
import { developmentSecret } from './config-dev-secret.ts';
import { type Env, envSchema } from './config-schema.ts';
import { LAW_IDS } from './deadlines/rules.ts';
import { type ClockSettings, clockSettingsSchema } from './deadlines/settings.ts';
import type { OfferedRegion } from './requests/regions.ts';
import {
  type SecurityTxtSettings,
  securityTxtSettings,
  type TlsFiles,
  type TrustProxy,
  tlsFiles,
} from './transport/transport-settings.ts';
import { type WebhookSettings, webhookSettings } from './webhooks/webhooks-settings.ts';

export type Config = Readonly<{
  env: Env['NODE_ENV'];
  port: number;
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  secretKey: string;
  orgName: string;
  /** The language of pages and emails when the reader's own is not one Rightsdesk speaks (ORG_LOCALE). */
  orgLocale: string;
  /** What the legal clock needs: ORG_COUNTRY, ORG_TIMEZONE, CCPA_BUSINESS_DAYS, CALOPPA_RESPONSE_DAYS. */
  clock: Readonly<ClockSettings>;
  /** Law for subjects who live somewhere the form does not list (ORG_DEFAULT_LAW). */
  defaultLaw: string;
  /** FORM_REGIONS: the places the web form lists, each with its law (see requests/regions.ts). */
  formRegions: readonly OfferedRegion[];
  /** When false, Californians get CalOPPA instead of CCPA (the business is below CCPA's thresholds). */
  ccpaApplies: boolean;
  verification: Readonly<{ tokenHours: number; reminderHours: number; expiryDays: number }>;
  /** Intake submissions allowed per client IP per 15 minutes, and per email address per hour. */
  intakeLimits: Readonly<{ perIp: number; perEmail: number }>;
  /** POSTs to the emailed links (verify, status, download) per client IP per 15 minutes. */
  linkLimitPerIp: number;
  sourcesFile: string | undefined;
  /** Demo sources (a seeded embedded product database and a demo newsletter over http). */
  demoSources: boolean;
  sourceCallbackHours: number;
  /** EXPORT_LINK_DAYS: how long a released download link works. */
  exportLinkDays: number;
  /** RECORDS_RETENTION_MONTHS: how long a closed request keeps its personal data (then only the record). */
  recordsRetentionMonths: number;
  /** EXPORT_REVIEW=on: bundles wait for the DPO's release. */
  exportReview: boolean;
  /** DATA_MAP_FILE: the Art. 15(1) data map the bundle builder reads (purposes, recipients, retention…). */
  dataMapFile: string | undefined;
  /** The value of an environment variable an http source names as its secret (`secretEnv`). */
  readSecret(name: string): string | undefined;
  staffAllowedIps: readonly string[];
  logLevel: Env['LOG_LEVEL'];
  /** TLS_CERT_FILE + TLS_KEY_FILE: serve HTTPS directly (checked readable and matching at start). */
  tls: TlsFiles | undefined;
  /** TRUST_PROXY, as Express's `trust proxy`: decides req.ip for rate limits and allowlists. */
  trustProxy: TrustProxy;
  /** METRICS_TOKEN: Bearer token for /metrics; unset → loopback (and STAFF_ALLOWED_IPS outside production). */
  metricsToken: string | undefined;
  /** /.well-known/security.txt fields; undefined (404) without SECURITY_CONTACT. */
  securityTxt: SecurityTxtSettings | undefined;
  /** BACKUP_SCHEDULE, BACKUP_KEEP, BACKUP_DIR (embedded database only). */
  backup: BackupSettings;
  /** WEBHOOK_URL + WEBHOOK_SECRET: where request events are delivered; undefined when off. */
  webhook: WebhookSettings | undefined;
}>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; throws ConfigError naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings from shells and compose files mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const value = cleaned[variable];
    throw new ConfigError(variable, value === undefined ? `is required (${issue.message})` : issue.message);
  }
  const env = parsed.data;
  if (env.NODE_ENV === 'production') {
    for (const name of ['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL'] as const) {
      if (!env[name]) throw new ConfigError(name, 'is required when NODE_ENV=production');
    }
  }
  const clock = clockSettings(env);
  const tls = tlsFiles(env.TLS_CERT_FILE, env.TLS_KEY_FILE);
  if (tls && 'problem' in tls) throw new ConfigError(tls.variable, tls.problem);
  const securityTxt = securityTxtSettings({
    contacts: env.SECURITY_CONTACT,
    policyUrl: env.SECURITY_POLICY_URL,
    expires: env.SECURITY_TXT_EXPIRES,
    languages: env.SECURITY_LANGUAGES,
  });
  if (securityTxt && 'problem' in securityTxt)
    throw new ConfigError(securityTxt.variable, securityTxt.problem);
  const webhook = webhookSettings(env.WEBHOOK_URL, env.WEBHOOK_SECRET, env.NODE_ENV === 'production');
  if (webhook && 'problem' in webhook) throw new ConfigError(webhook.variable, webhook.problem);
  if (!(LAW_IDS as readonly string[]).includes(env.ORG_DEFAULT_LAW)) {
    throw new ConfigError('ORG_DEFAULT_LAW', `must be one of ${LAW_IDS.join(', ')}`);
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const backup = backupSettings({
    schedule: env.BACKUP_SCHEDULE,
    keep: env.BACKUP_KEEP,
    dir: env.BACKUP_DIR,
    dataDir,
    databaseUrl: env.DATABASE_URL,
  });
  if ('problem' in backup) throw new ConfigError(backup.variable, backup.problem);
  // 11 CCR §7101: records of consumer requests are kept for at least 24 months.
  if (env.CCPA_APPLIES === 'true' && env.RECORDS_RETENTION_MONTHS < 24) {
    throw new ConfigError(
      'RECORDS_RETENTION_MONTHS',
      'must be at least 24 while CCPA applies (11 CCR §7101)',
    );
  }
  if (env.DEMO_SOURCES === 'on' && (env.NODE_ENV === 'production' || env.DATABASE_URL)) {
    throw new ConfigError('DEMO_SOURCES', 'the demo runs only on the embedded development database');
  }
  if (env.DEMO_SOURCES === 'on' && env.SOURCES_FILE) {
    throw new ConfigError('DEMO_SOURCES', 'the demo replaces the sources: unset SOURCES_FILE or the demo');
  }
  const demoSources =
    env.DEMO_SOURCES === 'on' ||
    (env.DEMO_SOURCES === undefined &&
      env.NODE_ENV === 'development' &&
      !env.DATABASE_URL &&
      !env.SOURCES_FILE);
  // Source secrets are read by name from the environment captured here, never from process.env later.
  const secrets = new Map(
    Object.entries(cleaned).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  return Object.freeze({
    env: env.NODE_ENV,
    port: env.PORT,
    publicUrl: (env.PUBLIC_URL ?? `${tls ? 'https' : 'http'}://localhost:${env.PORT}`).replace(/\/+$/, ''),
    databaseUrl: env.DATABASE_URL,
    dataDir,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    secretKey: env.SECRET_KEY ?? developmentSecret(dataDir),
    orgName: env.ORG_NAME,
    orgLocale: env.ORG_LOCALE,
    clock,
    defaultLaw: env.ORG_DEFAULT_LAW,
    formRegions: env.FORM_REGIONS,
    ccpaApplies: env.CCPA_APPLIES === 'true',
    verification: Object.freeze({
      tokenHours: env.VERIFICATION_TOKEN_HOURS,
      reminderHours: env.VERIFICATION_REMINDER_HOURS,
      expiryDays: env.UNVERIFIED_EXPIRY_DAYS,
    }),
    intakeLimits: Object.freeze({ perIp: env.INTAKE_LIMIT_PER_IP, perEmail: env.INTAKE_LIMIT_PER_EMAIL }),
    linkLimitPerIp: env.LINK_LIMIT_PER_IP,
    sourcesFile: env.SOURCES_FILE,
    demoSources,
    sourceCallbackHours: env.SOURCE_CALLBACK_HOURS,
    exportLinkDays: env.EXPORT_LINK_DAYS,
    recordsRetentionMonths: env.RECORDS_RETENTION_MONTHS,
    exportReview: env.EXPORT_REVIEW === 'on',
    dataMapFile: env.DATA_MAP_FILE,
    readSecret: (name: string) => secrets.get(name),
    staffAllowedIps: Object.freeze([...env.STAFF_ALLOWED_IPS]),
    logLevel: env.LOG_LEVEL,
    tls,
    trustProxy: env.TRUST_PROXY,
    metricsToken: env.METRICS_TOKEN,
    securityTxt,
    backup,
    webhook,
  });
}

const clockVariables: Record<keyof ClockSettings, string> = {
  orgCountry: 'ORG_COUNTRY',
  orgTimeZone: 'ORG_TIMEZONE',
  ccpaBusinessDays: 'CCPA_BUSINESS_DAYS',
  caloppaResponseDays: 'CALOPPA_RESPONSE_DAYS',
};

// The clock's own schema also knows which countries have a holiday calendar.
function clockSettings(env: Env): Readonly<ClockSettings> {
  const parsed = clockSettingsSchema.safeParse({
    orgCountry: env.ORG_COUNTRY,
    orgTimeZone: env.ORG_TIMEZONE,
    ccpaBusinessDays: env.CCPA_BUSINESS_DAYS,
    caloppaResponseDays: env.CALOPPA_RESPONSE_DAYS,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(clockVariables[issue.path[0] as keyof ClockSettings], issue.message);
  }
  return Object.freeze(parsed.data);
}
