import { chmodSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '../../../src/db/lock.ts';
import { useTempDirs } from '../../helpers/temp-dirs.ts';

const tempDir = useTempDirs('rd-lock-');

describe('the data directory', () => {
  it('a new DATA_DIR → created owner-only (0700): other local users cannot read the database files', () => {
    const dataDir = path.join(tempDir(), 'data');
    const release = acquireDataDirLock(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    release();
  });

  it('an existing world-readable DATA_DIR → tightened to 0700 at start', () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    const release = acquireDataDirLock(dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    release();
    expect(existsSync(path.join(dataDir, 'rightsdesk.lock'))).toBe(false);
  });
});
