import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * Mounts a tmpfs of `size` (e.g. "8m") on `dir`: a small disk that really fills up (ENOSPC from the
 * kernel, not a mock). Returns why it could not, or undefined once mounted. Needs root.
 */
export function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], {
    encoding: 'utf8',
  });
  if (result.status !== 0) return `mount -t tmpfs refused: ${(result.stderr || String(result.error)).trim()}`;
  return undefined;
}

/** Unmounts it (lazily, so an open handle cannot keep it); safe to call when not mounted. */
export function unmountTmpfs(dir: string): void {
  spawnSync('umount', ['-l', dir]);
}
