import postgres from 'postgres';

/**
 * `npm start` against a fresh server should just work: create the database named in the URL
 * when it is missing. When the role may not create databases, say how to fix it.
 */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await probe`select 1`;
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000: invalid_catalog_name
  } finally {
    await probe.end({ timeout: 1 });
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.unsafe(`create database ${quoteIdent(name)}`);
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return; // created concurrently
    throw new Error(
      `database "${name}" does not exist and could not be created (${(error as Error).message}); ` +
        `create it with: createdb ${name}`,
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
