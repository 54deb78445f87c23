// The demo product database (a small SaaS: accounts, projects, sessions, invoices) and the fictional
// people seeded into it and into the demo newsletter. Every name, address and number is made up; phone
// numbers and IP addresses come from ranges reserved for documentation.

export type DemoPerson = {
  email: string;
  displayName: string;
  phone: string | null;
  country: string;
  createdAt: string;
  marketingOptIn: boolean;
  projects: { title: string; description: string }[];
  sessions: { userAgent: string; ipAddress: string; startedAt: string }[];
  invoices: {
    number: string;
    amountCents: number;
    billingName: string;
    billingAddress: string;
    issuedOn: string;
  }[];
  /** The demo newsletter's subscriptions for this person (list name, signup date, still subscribed?). */
  newsletter: { list: string; signedUpOn: string; subscribed: boolean }[];
};

const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const safari =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const mobile =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  {
    email: 'ada@example.com',
    displayName: 'Ada Nowak',
    phone: '+44 7700 900123',
    country: 'GB',
    createdAt: '2023-03-14T09:26:53Z',
    marketingOptIn: true,
    projects: [
      { title: 'Analytical engine notes', description: 'Draft notes on loops and the engine’s memory.' },
      { title: 'Garden planner', description: 'Which vegetables go where next spring.' },
    ],
    sessions: [
      { userAgent: firefox, ipAddress: '192.0.2.17', startedAt: '2025-11-02T08:15:00Z' },
      { userAgent: mobile, ipAddress: '198.51.100.23', startedAt: '2025-11-20T19:42:10Z' },
    ],
    invoices: [
      {
        number: 'INV-2024-0001',
        amountCents: 1900,
        billingName: 'Ada Nowak',
        billingAddress: '12 Example Street, London N1 9GU, United Kingdom',
        issuedOn: '2024-01-31',
      },
      {
        number: 'INV-2024-0042',
        amountCents: 1900,
        billingName: 'Ada Nowak',
        billingAddress: '12 Example Street, London N1 9GU, United Kingdom',
        issuedOn: '2024-02-29',
      },
    ],
    newsletter: [
      { list: 'product-updates', signedUpOn: '2023-03-14', subscribed: true },
      { list: 'weekly-tips', signedUpOn: '2024-06-01', subscribed: true },
    ],
  },
  {
    email: 'grace@example.com',
    displayName: 'Grace Okafor',
    phone: '+1 202 555 0143',
    country: 'US',
    createdAt: '2023-09-09T15:45:00Z',
    marketingOptIn: true,
    projects: [{ title: 'Compiler ideas', description: 'A language that reads like English.' }],
    sessions: [{ userAgent: safari, ipAddress: '203.0.113.54', startedAt: '2025-12-01T16:05:33Z' }],
    invoices: [
      {
        number: 'INV-2024-0107',
        amountCents: 4900,
        billingName: 'Grace Okafor',
        billingAddress: '1 Sample Avenue, Arlington, VA 22201, USA',
        issuedOn: '2024-05-15',
      },
    ],
    newsletter: [{ list: 'product-updates', signedUpOn: '2023-09-09', subscribed: true }],
  },
  {
    email: 'linus@example.org',
    displayName: 'Linus Berg',
    phone: null,
    country: 'FI',
    createdAt: '2024-08-25T12:00:00Z',
    marketingOptIn: false,
    projects: [{ title: 'Kernel scratchpad', description: 'Notes on a tiny hobby operating system.' }],
    sessions: [
      { userAgent: firefox, ipAddress: '2001:db8::1f', startedAt: '2025-10-10T21:30:00Z' },
      { userAgent: firefox, ipAddress: '2001:db8::2a', startedAt: '2025-10-11T07:02:45Z' },
    ],
    invoices: [],
    newsletter: [],
  },
  {
    email: 'Zoe.Lukasiewicz@Example.net',
    displayName: 'Zoë Łukasiewicz',
    phone: '+48 600 000 123',
    country: 'PL',
    createdAt: '2024-02-02T07:30:00Z',
    marketingOptIn: true,
    projects: [{ title: 'Notacja polska', description: 'Wyrażenia bez nawiasów: zażółć gęślą jaźń.' }],
    sessions: [{ userAgent: mobile, ipAddress: '198.51.100.77', startedAt: '2026-01-05T10:11:12Z' }],
    invoices: [
      {
        number: 'INV-2025-0300',
        amountCents: 12900,
        billingName: 'Zoë Łukasiewicz',
        billingAddress: 'ul. Przykładowa 5/7, 00-950 Warszawa, Polska',
        issuedOn: '2025-03-31',
      },
    ],
    newsletter: [
      { list: 'product-updates', signedUpOn: '2024-02-02', subscribed: true },
      { list: 'weekly-tips', signedUpOn: '2024-02-02', subscribed: false },
    ],
  },
  {
    email: 'mateo@example.net',
    displayName: 'Mateo García',
    phone: '+34 600 000 000',
    country: 'ES',
    createdAt: '2025-06-18T18:20:00Z',
    marketingOptIn: true,
    projects: [],
    sessions: [{ userAgent: safari, ipAddress: '192.0.2.200', startedAt: '2026-01-12T09:00:00Z' }],
    invoices: [],
    newsletter: [{ list: 'weekly-tips', signedUpOn: '2025-06-18', subscribed: true }],
  },
];

/** Plain SQL, so it reads the same in psql; applied once, in one transaction. */
export const DEMO_SCHEMA_SQL = `
create table accounts (
  id serial primary key,
  email text not null unique,
  display_name text,
  phone text,
  country text,
  created_at timestamptz,
  marketing_opt_in boolean not null default true
);
create table projects (
  id serial primary key,
  account_id int references accounts(id),
  title text,
  description text
);
create table sessions (
  id serial primary key,
  account_id int references accounts(id),
  user_agent text,
  ip_address text,
  started_at timestamptz
);
create table invoices (
  id serial primary key,
  account_id int references accounts(id),
  number text,
  amount_cents int,
  billing_name text,
  billing_address text,
  issued_on date
);
create index projects_account_id on projects (account_id);
create index sessions_account_id on sessions (account_id);
create index invoices_account_id on invoices (account_id);
`;

/** A SQL string literal; the seed is fixed data, but quoting it properly costs nothing. */
function literal(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

function list(values: (string | number | boolean | null)[]): string {
  return values.map(literal).join(', ');
}

/** The seed as SQL: each child row finds its account by email, so no id is assumed. */
export function demoSeedSql(people: readonly DemoPerson[] = DEMO_PEOPLE): string {
  const statements: string[] = [];
  for (const p of people) {
    statements.push(
      'insert into accounts (email, display_name, phone, country, created_at, marketing_opt_in) values ' +
        `(${list([p.email, p.displayName, p.phone, p.country, p.createdAt, p.marketingOptIn])});`,
    );
    const account = `(select id from accounts where email = ${literal(p.email)})`;
    for (const project of p.projects) {
      statements.push(
        'insert into projects (account_id, title, description) ' +
          `values (${account}, ${list([project.title, project.description])});`,
      );
    }
    for (const s of p.sessions) {
      statements.push(
        'insert into sessions (account_id, user_agent, ip_address, started_at) ' +
          `values (${account}, ${list([s.userAgent, s.ipAddress, s.startedAt])});`,
      );
    }
    for (const i of p.invoices) {
      statements.push(
        'insert into invoices (account_id, number, amount_cents, billing_name, billing_address, issued_on) ' +
          `values (${account}, ${list([i.number, i.amountCents, i.billingName, i.billingAddress, i.issuedOn])});`,
      );
    }
  }
  return statements.join('\n');
}
