import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.ts';
import { runExportBuild } from '../../src/exports/export-build.ts';
import { listTasks } from '../../src/fulfilment/tasks-repo.ts';
import { bundlesOf, downloadPathIn, fileVerifiedAccess } from '../helpers/exports.ts';
import { gateFault } from '../helpers/faults/fault-gate.ts';
import { createFaultRuntime, type FaultRuntime } from '../helpers/faults/fault-runtime.ts';
import { mountTmpfs, unmountTmpfs } from '../helpers/faults/tmpfs.ts';
import { type HttpSourceServer, startHttpSource } from '../helpers/http-source.ts';
import { generousLimits, openPage } from '../helpers/intake.ts';
import { bearerFor } from '../helpers/staff.ts';
import { onPostgres } from '../helpers/test-db.ts';
import { eventually } from '../helpers/test-runtime.ts';

// The export store's directory is a real 8 MB tmpfs, nearly filled by another file: the kernel
// answers ENOSPC mid-build, as a full disk would. Needs root (CI runs as root; elsewhere it skips).
const dataDir = mkdtempSync(path.join(tmpdir(), 'rd-fault-disk-'));
const exportsDir = path.join(dataDir, 'exports');
const skip = gateFault('the disk-full fault test', mountTmpfs(exportsDir, '8m'));
const filler = path.join(exportsDir, 'filler.bin');
const secret = 'disk-full-source-secret-0123456789abcdef';

let rt: FaultRuntime;
let source: HttpSourceServer;
let dpo: string;
/** The request of the first scenario, completed with one bundle at its end. */
let filed: { reference: string; id: string } | undefined;

/** Files everywhere under the export store (temp files start with a dot), the filler aside. */
function storeFiles(): string[] {
  return readdirSync(exportsDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && path.join(e.parentPath, e.name) !== filler)
    .map((e) => path.relative(exportsDir, path.join(e.parentPath, e.name)));
}

describe.skipIf(skip)(
  `fault: the disk fills up during an export (${onPostgres ? 'PostgreSQL' : 'PGlite'})`,
  () => {
    beforeAll(async () => {
      // Random text does not compress: the bundle (data.json and a CSV) comes to about 3 MB.
      const rows = Array.from({ length: 1500 }, (_, i) => ({
        id: i,
        note: randomBytes(512).toString('base64'),
      }));
      source = await startHttpSource({ secret, now: () => new Date() });
      source.answer(() => ({ status: 200, body: { records: { history: rows } } }));
      const sources = path.join(dataDir, 'sources.json');
      writeFileSync(
        sources,
        JSON.stringify({
          sources: [
            {
              name: 'crm',
              kind: 'http',
              url: source.url,
              secretEnv: 'CRM_SECRET',
              holds: ['usage'],
              actions: ['access'],
            },
          ],
        }),
      );
      rt = await createFaultRuntime({
        env: { ...generousLimits, DATA_DIR: dataDir, SOURCES_FILE: sources, CRM_SECRET: secret },
        queueOverrides: { 'exports.build': { retryLimit: 1, retryDelay: 1, retryBackoff: false } },
      });
      dpo = await bearerFor(rt, 'dpo');
    });
    afterAll(async () => {
      await rt?.dispose();
      await source?.close();
      unmountTmpfs(exportsDir);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('no space left mid-build → both attempts fail with ENOSPC logged, the request fails with NO_SPACE for the DPO, nothing half-written is left; space freed, staff retry → bundle built and the link emailed', async () => {
      // 1 MB left on the device.
      writeFileSync(filler, Buffer.alloc(7 * 1024 * 1024));
      filed = await fileVerifiedAccess(rt, 'big-history@example.org');
      const { reference, id } = filed;
      const view = async () =>
        (
          await request(rt.app)
            .get(`/api/v1/staff/requests/${reference}`)
            .set('Authorization', dpo)
            .expect(200)
        ).body as {
          status: string;
          version: number;
          events: { kind: string; data: Record<string, unknown> }[];
        };
      await request(rt.app)
        .post(`/api/v1/staff/requests/${reference}/approve`)
        .set('Authorization', dpo)
        .send({ version: (await view()).version })
        .expect(200);

      const failed = await eventually(async () => {
        const v = await view();
        return v.status === 'failed' ? v : undefined;
      }, 45_000);
      // Collection went well; only the bundle could not be written.
      expect((await listTasks(rt.database.db, id)).every((t) => t.status === 'done')).toBe(true);
      // The DPO reads why in the trail: a code and a sentence, no paths and no data.
      const exportFailed = failed.events.filter((e) => e.kind === 'export.failed');
      expect(exportFailed).toHaveLength(1);
      expect(exportFailed[0]?.data).toEqual({
        code: 'NO_SPACE',
        message: expect.stringMatching(/disk .* full/i),
      });
      expect(failed.events.find((e) => e.kind === 'request.fail')?.data).toMatchObject({ stage: 'export' });
      // Each attempt logged, with the system's code.
      const logged = rt.logs.lines.filter((l) => l.msg === 'export build failed');
      expect(logged.map((l) => (l.err as { code?: string }).code)).toEqual(['ENOSPC', 'ENOSPC']);
      // Nothing half-written: no temp file, no bundle file, no bundle row, no link sent.
      expect(storeFiles()).toEqual([]);
      expect(await bundlesOf(rt, id)).toHaveLength(0);
      const links = await rt.database.db.select().from(outbox).where(eq(outbox.requestId, id));
      expect(links.filter((m) => downloadPathIn(m.text))).toEqual([]);

      rmSync(filler);
      await request(rt.app)
        .post(`/api/v1/staff/requests/${reference}/retry`)
        .set('Authorization', dpo)
        .send({ version: failed.version })
        .expect(200);
      const completed = await eventually(async () => {
        const v = await view();
        return v.status === 'completed' ? v : undefined;
      }, 45_000);
      expect(completed.events.filter((e) => e.kind === 'export.built')).toHaveLength(1);
      const [bundle] = await bundlesOf(rt, id);
      expect(bundle?.size).toBeGreaterThan(1024 * 1024);
      expect(storeFiles()).toEqual([`${id}/${path.basename(bundle!.storageKey)}`]);
      const [done] = await rt.database.db
        .select()
        .from(outbox)
        .where(and(eq(outbox.requestId, id), eq(outbox.subject, `Your request ${reference} is complete`)));
      const link = downloadPathIn(done!.text);
      expect(link).toBeDefined();
      expect((await openPage(rt.app, link!)).status).toBe(200);
    });

    it('bundle written, then the database fails before it is recorded → the file is deleted at once, not left on the disk for ever', async () => {
      const { reference, id } = filed!;
      const [first] = await bundlesOf(rt, id);
      // The subject's copy is revoked, so a new build is wanted; its file is kept until the hourly purge.
      await request(rt.app)
        .post(`/api/v1/staff/requests/${reference}/exports/${first!.id}/revoke`)
        .set('Authorization', dpo)
        .expect(200);
      const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      const db = new Proxy(rt.database.db, {
        get: (target, prop, receiver) =>
          prop === 'transaction' ? () => Promise.reject(lost) : Reflect.get(target, prop, receiver),
      });
      await expect(runExportBuild({ ...rt.exports, db }, id, 0)).rejects.toThrow('Connection terminated');
      // Only the revoked bundle's file: the unrecorded one (no row would ever lead the purge to it) is gone.
      expect(storeFiles()).toEqual([`${id}/${path.basename(first!.storageKey)}`]);
      expect(await bundlesOf(rt, id)).toHaveLength(1);
    });
  },
);
