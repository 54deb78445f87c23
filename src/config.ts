import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LAW_IDS } from './deadlines/rules.ts';
import { type ClockSettings, clockSettingsSchema } from './deadlines/settings.ts';

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

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Rightsdesk <privacy@localhost>'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ORG_NAME: z.string().min(1).default('Example Organisation'),
  ORG_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as PL')
    .default('PL'),
  ORG_TIMEZONE: ianaZone.default('Europe/Warsaw'),
  CCPA_BUSINESS_DAYS: z.enum(['weekdays', 'us-federal', 'us-ca']).default('weekdays'),
  CALOPPA_RESPONSE_DAYS: z.coerce.number().int().min(3).max(366).default(30),
  ORG_DEFAULT_LAW: z.string().min(2).default('gdpr'),
  CCPA_APPLIES: z.enum(['true', 'false']).default('true'),
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
});

export type Env = z.infer<typeof envSchema>;

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
  /** What the legal clock needs: ORG_COUNTRY, ORG_TIMEZONE, CCPA_BUSINESS_DAYS, CALOPPA_RESPONSE_DAYS. */
  clock: Readonly<ClockSettings>;
  /** Law for subjects outside the EU/EEA, UK and California (ORG_DEFAULT_LAW). */
  defaultLaw: string;
  /** When false, Californians get CalOPPA instead of CCPA (the business is below CCPA's thresholds). */
  ccpaApplies: boolean;
  verification: Readonly<{ tokenHours: number; reminderHours: number; expiryDays: number }>;
  /** Intake submissions allowed per client IP per 15 minutes, and per email address per hour. */
  intakeLimits: Readonly<{ perIp: number; perEmail: number }>;
  sourcesFile: string | undefined;
  /** Demo sources (a seeded embedded product database and a demo newsletter over http). */
  demoSources: boolean;
  sourceCallbackHours: number;
  /** EXPORT_LINK_DAYS: how long a released download link works. */
  exportLinkDays: number;
  /** EXPORT_REVIEW=on: bundles wait for the DPO's release. */
  exportReview: boolean;
  /** DATA_MAP_FILE: the Art. 15(1) data map the bundle builder reads (purposes, recipients, retention…). */
  dataMapFile: string | undefined;
  /** The value of an environment variable an http source names as its secret (`secretEnv`). */
  readSecret(name: string): string | undefined;
  staffAllowedIps: readonly string[];
  logLevel: Env['LOG_LEVEL'];
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
  if (!(LAW_IDS as readonly string[]).includes(env.ORG_DEFAULT_LAW)) {
    throw new ConfigError('ORG_DEFAULT_LAW', `must be one of ${LAW_IDS.join(', ')}`);
  }
  const dataDir = path.resolve(env.DATA_DIR);
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
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    databaseUrl: env.DATABASE_URL,
    dataDir,
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    secretKey: env.SECRET_KEY ?? developmentSecret(dataDir),
    orgName: env.ORG_NAME,
    clock,
    defaultLaw: env.ORG_DEFAULT_LAW,
    ccpaApplies: env.CCPA_APPLIES === 'true',
    verification: Object.freeze({
      tokenHours: env.VERIFICATION_TOKEN_HOURS,
      reminderHours: env.VERIFICATION_REMINDER_HOURS,
      expiryDays: env.UNVERIFIED_EXPIRY_DAYS,
    }),
    intakeLimits: Object.freeze({ perIp: env.INTAKE_LIMIT_PER_IP, perEmail: env.INTAKE_LIMIT_PER_EMAIL }),
    sourcesFile: env.SOURCES_FILE,
    demoSources,
    sourceCallbackHours: env.SOURCE_CALLBACK_HOURS,
    exportLinkDays: env.EXPORT_LINK_DAYS,
    exportReview: env.EXPORT_REVIEW === 'on',
    dataMapFile: env.DATA_MAP_FILE,
    readSecret: (name: string) => secrets.get(name),
    staffAllowedIps: Object.freeze([...env.STAFF_ALLOWED_IPS]),
    logLevel: env.LOG_LEVEL,
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

// Development only: a random secret made once and kept, so tokens survive restarts.
function developmentSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}
