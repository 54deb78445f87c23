/**
 * Fault tests need things a developer's machine may lack (root, initdb, mount). Outside CI they are
 * skipped with the reason printed; in CI (CI=true) a missing prerequisite fails the file instead,
 * so the faults are never silently untested there.
 */
export function gateFault(what: string, missing: string | undefined): boolean {
  if (!missing) return false;
  if (process.env.CI) throw new Error(`${what} cannot run in CI: ${missing}`);
  console.warn(`skipping ${what}: ${missing}`);
  return true;
}
