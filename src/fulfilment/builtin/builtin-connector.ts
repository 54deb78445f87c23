import type { Db } from '../../db/client.ts';
import { addSuppression, emailHmac } from '../../suppression/suppression-service.ts';
import type { Connector, ErasurePlan, FieldOutcome, Receipt, Subject, TaskContext } from '../connector.ts';
import {
  countErasableEmails,
  listSubjectEmails,
  listSubjectRequests,
  listSuppressions,
  redactErasableEmails,
} from './builtin-repo.ts';

// Rightsdesk's own records about the subject. Request records and opt-outs are kept on purpose:
// they are the proof the request was handled and the promise not to market again.
const holds = {
  requests: {
    basis:
      'Accountability: the record of your requests and how we answered them (GDPR Art. 5(2); CCPA regulations §7101)',
    period: '24 months after the request closes',
  },
  suppressions: {
    basis: 'Your opt-out: kept so that we never market to you, sell or share your data again',
    period: 'for as long as the opt-out stands',
  },
};

const retained = (collection: keyof typeof holds, category: string, rows: number): FieldOutcome => ({
  collection,
  field: '*',
  category,
  outcome: 'retain',
  rows,
  ...holds[collection],
});

export function createBuiltinConnector(name: string, deps: { db: Db; secretKey: string }): Connector {
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

  async function plan(subject: Subject) {
    const [requests, emails, suppressions] = await Promise.all([
      listSubjectRequests(deps.db, subject.email),
      countErasableEmails(deps.db, subject.email),
      listSuppressions(deps.db, emailHmac(deps.secretKey, subject.email)),
    ]);
    const fields: FieldOutcome[] = [
      retained('requests', 'account', requests.length),
      { collection: 'emails', field: 'text', category: 'contact', outcome: 'redact', rows: emails },
      retained('suppressions', 'marketing', suppressions.length),
    ];
    return { requests: requests.length, emails, suppressions: suppressions.length, fields };
  }

  async function run(ctx: TaskContext): Promise<Receipt> {
    const email = ctx.subject.email;
    if (ctx.action === 'access') {
      const [requests, emails, suppressions] = await Promise.all([
        listSubjectRequests(deps.db, email),
        listSubjectEmails(deps.db, email),
        listSuppressions(deps.db, emailHmac(deps.secretKey, email)),
      ]);
      await ctx.records.write('requests', requests.map(json));
      await ctx.records.write('emails', emails.map(json));
      await ctx.records.write('suppressions', suppressions.map(json));
      return {
        collections: [
          { collection: 'requests', found: requests.length },
          { collection: 'emails', found: emails.length },
          { collection: 'suppressions', found: suppressions.length },
        ],
        fields: [],
        summary: `${requests.length + emails.length + suppressions.length} records found`,
      };
    }
    if (ctx.action === 'erase') {
      const before = await plan(ctx.subject);
      const redacted = await redactErasableEmails(deps.db, email);
      return {
        collections: [
          { collection: 'requests', found: before.requests, retained: before.requests },
          { collection: 'emails', found: redacted, masked: redacted },
          { collection: 'suppressions', found: before.suppressions, retained: before.suppressions },
        ],
        fields: before.fields.map((f) => (f.collection === 'emails' ? { ...f, rows: redacted } : f)),
        summary: `${redacted} email bodies erased; request records and opt-outs kept`,
      };
    }
    if (ctx.action === 'opt_out') {
      const added = await deps.db.transaction(async (tx) => {
        let n = 0;
        for (const scope of ['marketing', 'sale_sharing'] as const) {
          const common = {
            secretKey: deps.secretKey,
            email,
            origin: 'opt_out_request' as const,
            requestId: ctx.requestId,
            now: ctx.now,
          };
          if (await addSuppression(tx, { ...common, scope })) n++;
        }
        return n;
      });
      return {
        collections: [{ collection: 'suppressions', found: 2, updated: added }],
        fields: [],
        summary: 'added to the marketing and sale/sharing suppression lists',
      };
    }
    throw new Error(`the ${name} source cannot ${ctx.action}`);
  }

  return {
    name,
    kind: 'builtin',
    supports: (action) => action !== 'rectify',
    async check() {},
    async run(ctx) {
      return { state: 'done', receipt: await run(ctx) };
    },
    async planErasure(subject): Promise<ErasurePlan> {
      return { source: name, kind: 'builtin', fields: (await plan(subject)).fields, notes: [] };
    },
    async rectificationDiff() {
      return [];
    },
    async close() {},
  };
}
