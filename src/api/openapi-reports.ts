import { LAW_IDS } from '../deadlines/rules.ts';
import { denyReasons } from '../requests/staff-request-schemas.ts';
import { problem } from './openapi-shared.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const bearer = [{ bearer: [] }];
const count = { type: 'integer', minimum: 0 };
const days = {
  type: ['number', 'null'],
  description: 'Calendar days, one decimal; null when nothing was answered',
};
const types = ['access', 'erase', 'rectify', 'opt_out'];
const perType = (schema: unknown) => ({
  type: 'object',
  required: types,
  properties: Object.fromEntries(types.map((t) => [t, schema])),
});

const typeMetrics = {
  type: 'object',
  required: ['received', 'compliedWholeOrPart', 'denied', 'deniedByReason', 'medianDays', 'meanDays'],
  properties: {
    received: count,
    compliedWholeOrPart: { ...count, description: 'Completed' },
    denied: { ...count, description: 'Denied by staff, plus never verified (as unverifiable)' },
    deniedByReason: {
      type: 'object',
      required: [...denyReasons],
      properties: Object.fromEntries(denyReasons.map((r) => [r, count])),
    },
    withdrawn: { ...count, description: 'Cancelled by the subject or staff' },
    open: { ...count, description: 'Not closed when the report was made' },
    medianDays: days,
    meanDays: days,
  },
};

const forbidden = { ...problem, description: 'The role lacks reports.view (support)' };

/** The §7102 metrics and the DPO dashboard (reports.view: admin, DPO). */
export const reportPaths = {
  '/api/v1/staff/reports/metrics': {
    get: {
      security: bearer,
      summary:
        'Request metrics of one calendar year per request type, in the shape of 11 CCR §7102 (the notes define every number).',
      parameters: [
        {
          name: 'year',
          in: 'query',
          schema: { type: 'integer', minimum: 2000, maximum: 2100 },
          description: 'Calendar year in ORG_TIMEZONE (default: the current one)',
        },
        {
          name: 'law',
          in: 'query',
          schema: { enum: ['all', ...LAW_IDS] },
          description: 'Only requests under this law (default: all laws)',
        },
      ],
      responses: {
        '200': {
          description: 'The report',
          content: json({
            type: 'object',
            required: ['year', 'law', 'generatedAt', 'notes', 'types'],
            properties: {
              year: { type: 'integer' },
              law: { type: 'string', description: '`all` or a law id' },
              timeZone: { type: 'string' },
              generatedAt: { type: 'string', format: 'date-time' },
              notes: { type: 'array', items: { type: 'string' } },
              types: perType(typeMetrics),
            },
          }),
        },
        '400': problem,
        '401': problem,
        '403': forbidden,
      },
    },
  },
  '/api/v1/staff/dashboard': {
    get: {
      security: bearer,
      summary:
        'The DPO dashboard: open requests by status, overdue, due this week, on-time rate over 90 days, 12 weeks by type.',
      responses: {
        '200': {
          description: 'The same numbers as the /staff/dashboard page',
          content: json({
            type: 'object',
            properties: {
              generatedAt: { type: 'string', format: 'date-time' },
              timeZone: { type: 'string' },
              today: { type: 'string', format: 'date' },
              open: {
                type: 'object',
                properties: { total: count, byStatus: { type: 'object', additionalProperties: count } },
              },
              dueThisWeek: {
                type: 'object',
                properties: {
                  from: { type: 'string', format: 'date' },
                  to: { type: 'string', format: 'date' },
                  count,
                },
              },
              overdue: count,
              onTime: {
                type: 'object',
                properties: {
                  windowDays: count,
                  from: { type: 'string', format: 'date-time' },
                  to: { type: 'string', format: 'date-time' },
                  closed: count,
                  onTime: count,
                  percent: { type: ['number', 'null'] },
                },
              },
              weekly: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    weekStart: { type: 'string', format: 'date', description: 'Monday' },
                    ...Object.fromEntries(types.map((t) => [t, count])),
                    total: count,
                  },
                },
              },
              notes: { type: 'array', items: { type: 'string' } },
            },
          }),
        },
        '401': problem,
        '403': forbidden,
      },
    },
  },
};
