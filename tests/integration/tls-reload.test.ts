import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/logger.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { startCli } from '../helpers/cli.ts';
import { createTestRuntime, type TestRuntime, testConfig } from '../helpers/test-runtime.ts';
import { fetchHttps, selfSigned, servedFingerprint } from '../helpers/tls.ts';

const fingerprintOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;

let rt: TestRuntime;
let dir: string;
let lines: string[];
type Pair = { cert: string; key: string };
let first: Pair;
let renewed: Pair;
let third: Pair;
/** The paths the server is configured with; each test copies a pair over them. */
let live: Pair;
/** The app's clock for the servers here (undefined: the real time). */
let clock: Date | undefined;

const logged = (msg: string) =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === msg);

const install = (pair: Pair, only?: 'cert' | 'key') => {
  if (only !== 'key') copyFileSync(pair.cert, live.cert);
  if (only !== 'cert') copyFileSync(pair.key, live.key);
};

async function serve(certificateCheckMs: number): Promise<RunningServer> {
  const config = testConfig({ TLS_CERT_FILE: live.cert, TLS_KEY_FILE: live.key });
  const app = createApp({ ...rt.appDeps, config });
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  // The shared runtime outlives these servers: stopping one closes nothing else.
  const now = () => clock ?? new Date();
  return startServer({ ...rt, config, app, logger, now, close: async () => {} }, 0, '127.0.0.1', {
    certificateCheckMs,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rd-tls-reload-'));
  first = selfSigned(dir, 'first', 90);
  renewed = selfSigned(dir, 'renewed', 90);
  third = selfSigned(dir, 'third', 90);
  live = { cert: path.join(dir, 'live.crt'), key: path.join(dir, 'live.key') };
  rt = await createTestRuntime({ worker: false });
});
afterAll(async () => {
  await rt?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a renewed certificate is served without a restart', () => {
  let server: RunningServer;
  beforeAll(async () => {
    lines = [];
    install(first);
    server = await serve(100);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('start → serves the configured pair and logs its end date and fingerprint', async () => {
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(first.cert));
    const [loaded] = logged('TLS certificate loaded');
    expect(loaded).toMatchObject({ fingerprint256: fingerprintOf(first.cert), daysLeft: 89 });
    expect(new Date(String(loaded?.notAfter)).getTime()).toBeGreaterThan(Date.now() + 88 * 86_400_000);
  });

  it('both files replaced → new connections get the new certificate, and requests still answer', async () => {
    install(renewed);
    await expect
      .poll(() => servedFingerprint(server.url), { timeout: 10_000 })
      .toBe(fingerprintOf(renewed.cert));
    const res = await fetchHttps(`${server.url}/healthz`, readFileSync(renewed.cert));
    expect(res.status).toBe(200);
    expect(logged('TLS certificate loaded').at(-1)).toMatchObject({
      fingerprint256: fingerprintOf(renewed.cert),
    });
  });

  it('half-written renewal (new certificate, old key) → refused and logged, the previous pair still served; the key arrives → the new pair', async () => {
    const refusal = 'TLS certificate not reloaded: still serving the previous one';
    // A look between the two copies of the last test may have refused once already.
    const before = logged(refusal).length;
    install(third, 'cert');
    await expect.poll(() => logged(refusal).length, { timeout: 10_000 }).toBeGreaterThan(before);
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(renewed.cert));
    // The reason is the library's, and never the key itself.
    const refused = logged(refusal).at(-1);
    expect(String(refused?.reason)).toMatch(/key/i);
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
    install(third, 'key');
    await expect
      .poll(() => servedFingerprint(server.url), { timeout: 10_000 })
      .toBe(fingerprintOf(third.cert));
  });
});

describe('reloading on demand (what SIGHUP does)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    lines = [];
    install(first);
    // An hour between looks: only the explicit reload can pick the change up during this test.
    server = await serve(3_600_000);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('files replaced, then reloadCertificate() → true, the new certificate at once', async () => {
    install(renewed);
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(first.cert));
    expect(server.reloadCertificate?.()).toBe(true);
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(renewed.cert));
  });

  it('a key that is not the certificate’s, then reloadCertificate() → false, the previous one still served', async () => {
    install(third, 'key');
    expect(server.reloadCertificate?.()).toBe(false);
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(renewed.cert));
  });

  it('a certificate the clock says has expired → refused with its dates, the previous one still served', async () => {
    install(third);
    clock = new Date(Date.now() + 100 * 86_400_000);
    try {
      expect(server.reloadCertificate?.()).toBe(false);
    } finally {
      clock = undefined;
    }
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(renewed.cert));
    const refusal = logged('TLS certificate not reloaded: still serving the previous one').at(-1);
    expect(String(refusal?.reason)).toMatch(/^the certificate is valid only from .* to /);
  });

  it('a certificate with days left under 14 → loaded, and logged as a warning to renew', async () => {
    const short = selfSigned(dir, 'short', 5);
    install(short);
    expect(server.reloadCertificate?.()).toBe(true);
    expect(await servedFingerprint(server.url)).toBe(fingerprintOf(short.cert));
    const [warning] = logged('TLS certificate expires soon: renew it');
    expect(warning).toMatchObject({ level: 40, fingerprint256: fingerprintOf(short.cert), daysLeft: 4 });
  });
});

describe('the real process', () => {
  it('rightsdesk serve with TLS, files replaced, then SIGHUP → the new certificate; SIGTERM still exits 0', async () => {
    install(first);
    const dataDir = mkdtempSync(path.join(dir, 'data-'));
    const env = { DATA_DIR: dataDir, PORT: '0', TLS_CERT_FILE: live.cert, TLS_KEY_FILE: live.key };
    const cli = await startCli(['serve', '--no-worker'], env, /listening on/, 110_000);
    try {
      const port = Number(/"port":\{[^}]*"port":(\d+)/.exec(cli.output())?.[1]);
      const url = `https://127.0.0.1:${port}`;
      expect(await servedFingerprint(url)).toBe(fingerprintOf(first.cert));
      install(renewed);
      cli.child.kill('SIGHUP');
      await expect.poll(() => servedFingerprint(url), { timeout: 10_000 }).toBe(fingerprintOf(renewed.cert));
    } finally {
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    }
    // A serve process starting on a loaded CI machine (migrating a new embedded database) can take
    // more than a minute.
  }, 170_000);
});
