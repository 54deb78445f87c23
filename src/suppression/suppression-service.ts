import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Config } from '../config.ts';
import type { Db, Executor } from '../db/client.ts';
import type { LawRule } from '../deadlines/rules.ts';
import { AppError } from '../http/app-error.ts';
import {
  findSuppressedHmacs,
  insertSuppression,
  type NewSuppression,
  type SuppressionOrigin,
  type SuppressionScope,
} from './suppression-repo.ts';

export type { NewSuppression, SuppressionOrigin, SuppressionScope } from './suppression-repo.ts';

/** What the suppression services need; `now` is injectable so tests control time. */
export type SuppressionDeps = {
  db: Db;
  config: Pick<Config, 'secretKey' | 'publicUrl'>;
  now: () => Date;
};

/** The exact RFC 8058 `List-Unsubscribe-Post` header value. */
export const listUnsubscribePost = 'List-Unsubscribe=One-Click';

/*
 * The list never holds an address: only HMAC-SHA256(k, normalised email), with k derived from
 * SECRET_KEY for this one purpose (HKDF), so the list is useless without the key and a hash of the
 * bare address (or of a dictionary of addresses) matches nothing in it. Unsubscribe links carry
 * that HMAC and a MAC over it under a second derived key: the link adds a suppression without
 * revealing the address, and nobody can make one for an address they merely know.
 */
const keys = new Map<string, Buffer>();
function derivedKey(secretKey: string, purpose: 'suppression' | 'unsubscribe'): Buffer {
  const id = `${purpose}\u0000${secretKey}`;
  let key = keys.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secretKey, '', `rightsdesk:${purpose}`, 32));
    keys.set(id, key);
  }
  return key;
}

/** Trim and lowercase: ` Ana@Example.org ` and `ana@example.org` are one address on the list. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** base64url(HMAC-SHA256) of the normalised address: what the list stores instead of the address. */
export function emailHmac(secretKey: string, email: string): string {
  return createHmac('sha256', derivedKey(secretKey, 'suppression'))
    .update(normaliseEmail(email))
    .digest('base64url');
}

const macOf = (secretKey: string, hmac: string) =>
  createHmac('sha256', derivedKey(secretKey, 'unsubscribe')).update(hmac).digest('base64url');

/**
 * `base64url(hmac).base64url(mac)`: URL-safe, no expiry (marketing mails are read years later), and
 * no address in it. The same address always gets the same token.
 */
export function unsubscribeToken(secretKey: string, email: string): string {
  const hmac = emailHmac(secretKey, email);
  return `${hmac}.${macOf(secretKey, hmac)}`;
}

/** `{PUBLIC_URL}/unsubscribe/{token}`: the URL a marketing mail puts in `List-Unsubscribe: <…>`. */
export function unsubscribeUrl(config: Pick<Config, 'publicUrl' | 'secretKey'>, email: string): string {
  return `${config.publicUrl}/unsubscribe/${unsubscribeToken(config.secretKey, email)}`;
}

const tokenShape = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** The email HMAC an unsubscribe token stands for; TOKEN_INVALID when it is malformed or its MAC is wrong. */
export function readUnsubscribeToken(secretKey: string, token: string): string {
  const match = tokenShape.exec(token);
  // Strings, not decoded bytes, are compared: a re-encoded (non-canonical) token does not pass either.
  const valid =
    match !== null && timingSafeEqual(Buffer.from(match[2]!), Buffer.from(macOf(secretKey, match[1]!)));
  if (!valid)
    throw new AppError(
      'TOKEN_INVALID',
      'This unsubscribe link is not valid. Check that it was copied whole.',
    );
  return match[1]!;
}

/** Who an audit event says added a suppression, when the caller does not say. */
const actorFor: Record<SuppressionOrigin, string> = {
  unsubscribe: 'subject',
  gpc: 'subject',
  opt_out_request: 'system',
  staff: 'staff',
};

async function addByHmac(
  tx: Executor,
  input: {
    emailHmac: string;
    scope: SuppressionScope;
    origin: SuppressionOrigin;
    requestId?: string | null;
    actor?: string;
    now: Date;
  },
): Promise<boolean> {
  const requestId = input.requestId ?? null;
  const added = await insertSuppression(tx, {
    emailHmac: input.emailHmac,
    scope: input.scope,
    origin: input.origin,
    requestId,
    createdAt: input.now,
  });
  if (added) {
    // Never the address, nor its HMAC: the audit chain is immutable and outlives erasure.
    await appendAuditEvent(tx, {
      requestId,
      kind: 'suppression.added',
      actor: input.actor ?? actorFor[input.origin],
      data: { scope: input.scope, origin: input.origin, requestId },
      at: input.now,
    });
  }
  return added;
}

/**
 * Puts an address on the suppression list for one scope, in the caller's transaction, with a
 * `suppression.added` audit event. Idempotent: true when newly added, false when it already was
 * (and then nothing is written).
 */
export async function addSuppression(
  tx: Executor,
  input: {
    secretKey: string;
    email: string;
    scope: SuppressionScope;
    origin: SuppressionOrigin;
    requestId?: string | null;
    /** Defaults by origin: `subject` for unsubscribe/gpc, `system` for opt-out requests, `staff`. */
    actor?: string;
    now: Date;
  },
): Promise<boolean> {
  const { secretKey, email, ...rest } = input;
  return addByHmac(tx, { ...rest, emailHmac: emailHmac(secretKey, email) });
}

export async function isSuppressed(
  db: Executor,
  secretKey: string,
  email: string,
  scope: SuppressionScope,
): Promise<boolean> {
  const hmac = emailHmac(secretKey, email);
  return (await findSuppressedHmacs(db, [hmac], scope)).length === 1;
}

export function gpcSuppression(input: {
  secretKey: string;
  /** The law's opt-out-signal rule (the laws table); undefined where the signal has no effect. */
  signal: LawRule['optOutSignal'];
  email: string;
  requestId: string;
  now: Date;
}): NewSuppression | undefined {
  if (!input.signal) return undefined;
  if (input.signal.from && input.now.toISOString().slice(0, 10) < input.signal.from) return undefined;
  return {
    emailHmac: emailHmac(input.secretKey, input.email),
    scope: 'sale_sharing',
    origin: 'gpc',
    requestId: input.requestId,
    createdAt: input.now,
  };
}

/** Inserts a prepared suppression (idempotent, no audit event of its own: the caller's event says why). */
export function recordSuppression(tx: Executor, row: NewSuppression): Promise<boolean> {
  return insertSuppression(tx, row);
}

export type RecipientsCheck = {
  allowed: { email: string; listUnsubscribe: string; listUnsubscribePost: string }[];
  suppressed: string[];
};

/**
 * The marketing send check: each address is either suppressed (scope marketing) or allowed with the
 * RFC 8058 headers the mail must carry. Addresses come back as given, in the order given.
 */
export async function checkRecipients(
  deps: SuppressionDeps,
  emails: readonly string[],
): Promise<RecipientsCheck> {
  const { secretKey, publicUrl } = deps.config;
  const hmacs = emails.map((email) => emailHmac(secretKey, email));
  const suppressed = new Set(await findSuppressedHmacs(deps.db, [...new Set(hmacs)], 'marketing'));
  const result: RecipientsCheck = { allowed: [], suppressed: [] };
  emails.forEach((email, i) => {
    const hmac = hmacs[i]!;
    if (suppressed.has(hmac)) result.suppressed.push(email);
    else
      result.allowed.push({
        email,
        listUnsubscribe: `<${publicUrl}/unsubscribe/${hmac}.${macOf(secretKey, hmac)}>`,
        listUnsubscribePost,
      });
  });
  return result;
}

/** GET /unsubscribe/{token}: checks the link and tells whether the address is already off the list. Writes nothing. */
export async function inspectUnsubscribe(
  deps: SuppressionDeps,
  token: string,
): Promise<{ alreadyUnsubscribed: boolean }> {
  const hmac = readUnsubscribeToken(deps.config.secretKey, token);
  return { alreadyUnsubscribed: (await findSuppressedHmacs(deps.db, [hmac], 'marketing')).length === 1 };
}

/** One-click unsubscribe (RFC 8058): suppresses marketing for the token's address. Idempotent. */
export async function unsubscribe(deps: SuppressionDeps, token: string): Promise<{ added: boolean }> {
  const hmac = readUnsubscribeToken(deps.config.secretKey, token);
  const now = deps.now();
  const added = await deps.db.transaction((tx) =>
    addByHmac(tx, { emailHmac: hmac, scope: 'marketing', origin: 'unsubscribe', now }),
  );
  return { added };
}
