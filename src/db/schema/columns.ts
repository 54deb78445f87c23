import { date, timestamp } from 'drizzle-orm/pg-core';

// Instants are timestamptz read as Date; calendar days (due dates) stay strings, free of any time zone.
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const localDate = (name: string) => date(name, { mode: 'string' });
