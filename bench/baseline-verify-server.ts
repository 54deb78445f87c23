// The baseline for bench/verification: a bare Express route that looks the token up with one indexed
// SELECT and marks it used with one UPDATE, on a table shaped like verification_tokens.
import { createHash } from 'node:crypto';
import express from 'express';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {} });
await sql`create table if not exists bench_tokens (
  id uuid primary key default gen_random_uuid(), jti_hash text not null unique, reference text not null,
  expires_at timestamptz not null, used_at timestamptz)`;
const app = express();
app.use(express.json({ limit: '64kb' }));
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/api/v1/verifications', async (req, res) => {
  const hash = createHash('sha256').update(String(req.body.token)).digest('hex');
  const [row] =
    await sql`select id, reference, expires_at, used_at from bench_tokens where jti_hash = ${hash}`;
  if (!row) return void res.status(400).json({ code: 'TOKEN_INVALID' });
  const used = await sql`update bench_tokens set used_at = now() where id = ${row.id} and used_at is null`;
  if (used.count !== 1) return void res.status(409).json({ code: 'TOKEN_USED' });
  res.json({ reference: row.reference, status: 'pending_review' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => sql.end().then(() => process.exit(0))));
