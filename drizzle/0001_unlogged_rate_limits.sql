-- Rate-limit counters are expendable: no WAL, no fsync per hit. After a crash PostgreSQL empties
-- the table, which only resets the windows.
ALTER TABLE "rate_limits" SET UNLOGGED;
