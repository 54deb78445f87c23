import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { thrown } from '../../helpers/thrown.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'rd-config-'));

const errorOf = (env: Record<string, string>) => thrown(ConfigError, () => loadConfig(env));

describe('loadConfig', () => {
  it('empty environment in development → documented defaults and a generated secret', () => {
    const dir = tmp();
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.clock).toEqual({
      orgCountry: 'PL',
      orgTimeZone: 'Europe/Warsaw',
      ccpaBusinessDays: 'weekdays',
      caloppaResponseDays: 30,
    });
    expect(config.secretKey.length).toBeGreaterThanOrEqual(32);
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(true);
  });

  it('development secret → generated once and reused on the next start', () => {
    const dir = tmp();
    const first = loadConfig({ DATA_DIR: dir }).secretKey;
    expect(loadConfig({ DATA_DIR: dir }).secretKey).toBe(first);
    expect(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim()).toBe(first);
  });

  it('config object → frozen', () => {
    const config = loadConfig({ DATA_DIR: tmp() });
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ ORG_TIMEZONE: 'Mars/Olympus' }, 'ORG_TIMEZONE'],
    [{ ORG_COUNTRY: 'Poland' }, 'ORG_COUNTRY'],
    [{ ORG_COUNTRY: 'QQ' }, 'ORG_COUNTRY'],
    [{ CCPA_BUSINESS_DAYS: 'mondays' }, 'CCPA_BUSINESS_DAYS'],
    [{ CALOPPA_RESPONSE_DAYS: '2' }, 'CALOPPA_RESPONSE_DAYS'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ STAFF_ALLOWED_IPS: '10.0.0.0/8,nonsense' }, 'STAFF_ALLOWED_IPS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
  ])('bad value %o → error naming %s', (env, variable) => {
    const error = errorOf({ DATA_DIR: tmp(), ...env });
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it.each(['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL'])('production without %s → error naming it', (missing) => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATA_DIR: tmp(),
      SECRET_KEY: 'a-production-secret-of-sufficient-length-000',
      SMTP_URL: 'smtp://mail.example.org:587',
      PUBLIC_URL: 'https://privacy.example.org',
    };
    delete env[missing];
    expect(errorOf(env).message).toBe(`${missing}: is required when NODE_ENV=production`);
  });

  it('production with every required value → no secret file written', () => {
    const dir = tmp();
    const config = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: dir,
      SECRET_KEY: 'a-production-secret-of-sufficient-length-000',
      SMTP_URL: 'smtp://mail.example.org:587',
      PUBLIC_URL: 'https://privacy.example.org/',
    });
    expect(config.publicUrl).toBe('https://privacy.example.org');
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
  });

  it('empty strings → treated as unset', () => {
    expect(loadConfig({ DATA_DIR: tmp(), DATABASE_URL: '', PORT: '' }).port).toBe(3000);
  });

  it('staff allow-list → parsed into CIDRs', () => {
    const config = loadConfig({ DATA_DIR: tmp(), STAFF_ALLOWED_IPS: '10.0.0.0/8, 192.168.1.0/24' });
    expect(config.staffAllowedIps).toEqual(['10.0.0.0/8', '192.168.1.0/24']);
  });
});

describe('demo sources setting', () => {
  const base = { NODE_ENV: 'development', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'rd-cfg-')) };
  it('development on the embedded database without SOURCES_FILE → demo on; DEMO_SOURCES=off → off', () => {
    expect(loadConfig(base).demoSources).toBe(true);
    expect(loadConfig({ ...base, DEMO_SOURCES: 'off' }).demoSources).toBe(false);
    expect(loadConfig({ ...base, SOURCES_FILE: '/x.yaml' }).demoSources).toBe(false);
  });

  it.each([
    ['with SOURCES_FILE (it would silently replace them)', { SOURCES_FILE: '/x.yaml' }],
    ['with DATABASE_URL', { DATABASE_URL: 'postgres://a@127.0.0.1/x' }],
  ])('DEMO_SOURCES=on %s → ConfigError naming DEMO_SOURCES', (_label, extra) => {
    expect(() => loadConfig({ ...base, DEMO_SOURCES: 'on', ...extra })).toThrow(/^DEMO_SOURCES: /);
  });
});
