import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExports } from '../../src/exports/exports-purge.ts';
import { insertBundle } from '../../src/exports/exports-repo.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

// Encrypted files no bundle row points to (a build that crashed mid-write, or whose recording failed
// with the database down) are personal data nothing else would delete: the hourly purge sweeps them.
describe('exports.purge sweeps orphaned files', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    rt = await createTestRuntime({ worker: false });
  });
  afterAll(async () => {
    await rt?.dispose();
  });

  const fileOf = (key: string) => path.join(rt.config.dataDir, key);
  const twoDaysAgo = () => new Date(Date.now() - 2 * 86_400_000);
  const age = (file: string) => utimesSync(file, twoDaysAgo(), twoDaysAgo());

  it('old orphan and crashed temp file → deleted; a live bundle and a fresh orphan (a build still writing) → kept', async () => {
    const store = rt.exports.store;
    const write = (key: string) => store.write(key, Readable.from([Buffer.from('personal data')]));
    const dir = 'exports/0b7f7c1e-0000-4000-8000-000000000001';
    await write(`${dir}/orphan.zip.enc`);
    await write(`${dir}/fresh.zip.enc`);
    await write(`${dir}/live.zip.enc`);
    const temp = fileOf(`${dir}/.9f1c2d3e-1111-4222-8333-444455556666.tmp`);
    writeFileSync(temp, 'half a bundle');
    const { id: requestId } = (await rt.database.executeSql('select gen_random_uuid() as id')).rows[0] as {
      id: string;
    };
    await rt.database.executeSql(
      `insert into requests (id, reference, type, law, status, subject_email, received_at, time_zone, received_on)
       values ($1, 'RD-SWEP-0001', 'access', 'gdpr', 'completed', 'x@example.org', now(), 'UTC', current_date)`,
      [requestId],
    );
    await insertBundle(rt.database.db, {
      requestId,
      storageKey: `${dir}/live.zip.enc`,
      keyId: 'k',
      size: 1,
      sha256: '0'.repeat(64),
      manifest: {},
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    for (const name of ['orphan.zip.enc', 'live.zip.enc']) age(fileOf(`${dir}/${name}`));
    age(temp);

    const result = await purgeExports(rt.exports);
    expect(result.orphans).toBe(2);
    expect(existsSync(fileOf(`${dir}/orphan.zip.enc`))).toBe(false);
    expect(existsSync(temp)).toBe(false);
    expect(existsSync(fileOf(`${dir}/live.zip.enc`))).toBe(true);
    expect(existsSync(fileOf(`${dir}/fresh.zip.enc`))).toBe(true);
    expect((await purgeExports(rt.exports)).orphans).toBe(0);
  });
});
