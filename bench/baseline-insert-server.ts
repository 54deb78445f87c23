// The baseline for bench/intake: a bare Express route doing one INSERT into the same database.
import express from 'express';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, onnotice: () => {} });
await sql`create table if not exists bench_requests (
  id uuid primary key default gen_random_uuid(), reference text not null unique, type text not null,
  law text not null, email text not null, received_at timestamptz not null default now())`;
const app = express();
app.use(express.json({ limit: '64kb' }));
let n = 0;
app.get('/healthz', (_req, res) => {
  res.json({ status: 'ok' });
});
app.post('/api/v1/requests', async (req, res) => {
  const reference = `RD-${process.pid}-${n++}`;
  await sql`insert into bench_requests (reference, type, law, email) values (${reference}, ${req.body.type}, ${req.body.law}, ${req.body.email})`;
  res.status(202).json({ reference, status: 'unverified' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => sql.end().then(() => process.exit(0))));
