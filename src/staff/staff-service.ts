import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { appendAuditEvent } from '../audit/audit-service.ts';
import type { Db } from '../db/client.ts';
import type { StaffAccountRow } from '../db/schema.ts';
import { AppError } from '../http/app-error.ts';
import { keyFor } from '../verification/tokens.ts';
import { burnPasswordCheck, hashPassword, passwordSchemaFor, verifyPassword } from './passwords.ts';
import type { StaffRole } from './permissions.ts';
import {
  countFailedLogin,
  findSession,
  findStaffByEmail,
  findStaffById,
  insertSession,
  insertStaff,
  revokeSession,
  revokeStaffSessions,
  updateStaff,
} from './staff-repo.ts';

export type StaffDeps = { db: Db; secretKey: string; now: () => Date };
export type StaffIdentity = { id: string; email: string; role: StaffRole; sessionId: string };

const lockAfter = 5;
const sessionHours = { cookie: 8, bearer: 12 } as const;
/** The cookie's JWT lives 15 minutes and is renewed while the session row is valid. */
export const cookieJwtSeconds = 15 * 60;

const wrongCredentials = () => new AppError('UNAUTHENTICATED', 'The email or password is wrong.');

export const staffEmailSchema = z.string().trim().max(254).pipe(z.email('must be a valid email address'));

function field<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'is not valid';
  throw new AppError('VALIDATION_FAILED', `${name}: ${message}`, [{ path: name, message }]);
}

export async function addStaff(
  deps: StaffDeps,
  input: { email: string; role: StaffRole; password: string; actor: string },
): Promise<StaffAccountRow> {
  const email = field('email', staffEmailSchema, input.email).toLowerCase();
  const password = field('password', passwordSchemaFor(email), input.password);
  if (await findStaffByEmail(deps.db, email))
    throw new AppError('CONFLICT', `A staff account for ${email} exists.`);
  const now = deps.now();
  return deps.db.transaction(async (tx) => {
    const row = await insertStaff(tx, {
      email,
      role: input.role,
      passwordHash: await hashPassword(password),
      createdAt: now,
    });
    await appendAuditEvent(tx, {
      kind: 'staff.added',
      actor: input.actor,
      data: { staffId: row.id, role: row.role },
      at: now,
    });
    return row;
  });
}

// Backoff doubles from 15 minutes after the fifth failure, capped at a day.
export function lockoutUntil(failures: number, now: Date): Date | null {
  if (failures < lockAfter) return null;
  const minutes = Math.min(15 * 2 ** (failures - lockAfter), 24 * 60);
  return new Date(now.getTime() + minutes * 60_000);
}

export function signStaffJwt(
  secretKey: string,
  session: { id: string; staffId: string },
  expiresAt: Date,
  now: Date,
) {
  const iat = Math.floor(now.getTime() / 1000);
  return jwt.sign(
    {
      purpose: 'staff',
      sid: session.id,
      sub: session.staffId,
      iat,
      exp: Math.floor(expiresAt.getTime() / 1000),
    },
    keyFor(secretKey),
    {
      algorithm: 'HS256',
    },
  );
}

export async function login(
  deps: StaffDeps,
  input: { email: string; password: string; kind: 'cookie' | 'bearer' },
): Promise<{ token: string; identity: StaffIdentity; expiresAt: Date }> {
  const now = deps.now();
  const account = await findStaffByEmail(deps.db, input.email.trim().toLowerCase());
  if (!account) {
    await burnPasswordCheck(input.password);
    await appendAuditEvent(deps.db, {
      kind: 'staff.login_failed',
      actor: 'unknown',
      data: { reason: 'unknown_account' },
      at: now,
    });
    throw wrongCredentials();
  }
  if (account.lockedUntil && account.lockedUntil > now) {
    const minutes = Math.ceil((account.lockedUntil.getTime() - now.getTime()) / 60_000);
    throw new AppError(
      'RATE_LIMITED',
      `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    );
  }
  const ok = await verifyPassword(account.passwordHash, input.password);
  if (!ok || account.disabledAt) {
    const failures = ok ? account.failedLogins : await countFailedLogin(deps.db, account.id, now);
    const lockedUntil = lockoutUntil(failures, now);
    if (lockedUntil) await updateStaff(deps.db, account.id, { lockedUntil }, now);
    await appendAuditEvent(deps.db, {
      kind: 'staff.login_failed',
      actor: account.id,
      data: {
        reason: account.disabledAt ? 'disabled' : 'wrong_password',
        failures,
        locked: Boolean(lockedUntil),
      },
      at: now,
    });
    throw wrongCredentials();
  }
  const expiresAt = new Date(now.getTime() + sessionHours[input.kind] * 3600_000);
  return deps.db.transaction(async (tx) => {
    await updateStaff(tx, account.id, { failedLogins: 0, lockedUntil: null, lastLoginAt: now }, now);
    const session = await insertSession(tx, {
      staffId: account.id,
      kind: input.kind,
      createdAt: now,
      expiresAt,
    });
    await appendAuditEvent(tx, {
      kind: 'staff.login',
      actor: account.id,
      data: { sessionId: session.id, kind: input.kind },
      at: now,
    });
    const jwtExpires =
      input.kind === 'cookie'
        ? new Date(Math.min(expiresAt.getTime(), now.getTime() + cookieJwtSeconds * 1000))
        : expiresAt;
    return {
      token: signStaffJwt(deps.secretKey, session, jwtExpires, now),
      identity: { id: account.id, email: account.email, role: account.role, sessionId: session.id },
      expiresAt,
    };
  });
}

const staffClaims = z.object({ purpose: z.literal('staff'), sid: z.uuid(), sub: z.uuid(), exp: z.number() });

/** Token → identity, checking the session row every time: logout and disabling take effect at once. */
export async function authenticate(
  deps: StaffDeps,
  token: string,
): Promise<{
  identity: StaffIdentity;
  tokenExpiresAt: Date;
  sessionExpiresAt: Date;
  kind: 'cookie' | 'bearer';
}> {
  const now = deps.now();
  let payload: unknown;
  try {
    payload = jwt.verify(token, keyFor(deps.secretKey), {
      algorithms: ['HS256'],
      clockTimestamp: Math.floor(now.getTime() / 1000),
    });
  } catch {
    throw new AppError('UNAUTHENTICATED', 'Please sign in.');
  }
  const claims = staffClaims.safeParse(payload);
  if (!claims.success) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
  const session = await findSession(deps.db, claims.data.sid);
  if (!session || session.revokedAt || session.expiresAt <= now || session.staffId !== claims.data.sub) {
    throw new AppError('UNAUTHENTICATED', 'Your session has ended. Please sign in again.');
  }
  const account = await findStaffById(deps.db, session.staffId);
  if (!account || account.disabledAt) throw new AppError('UNAUTHENTICATED', 'Please sign in.');
  return {
    identity: { id: account.id, email: account.email, role: account.role, sessionId: session.id },
    tokenExpiresAt: new Date(claims.data.exp * 1000),
    sessionExpiresAt: session.expiresAt,
    kind: session.kind,
  };
}

export async function logout(deps: StaffDeps, identity: StaffIdentity): Promise<void> {
  const now = deps.now();
  await deps.db.transaction(async (tx) => {
    await revokeSession(tx, identity.sessionId, now);
    await appendAuditEvent(tx, {
      kind: 'staff.logout',
      actor: identity.id,
      data: { sessionId: identity.sessionId },
      at: now,
    });
  });
}

/** Disable, enable or set a new password; disabling and new passwords end every open session. */
export async function changeStaff(
  deps: StaffDeps,
  input: { email: string; actor: string } & (
    | { action: 'disable' | 'enable' }
    | { action: 'password'; password: string }
  ),
): Promise<void> {
  const account = await findStaffByEmail(deps.db, input.email.trim().toLowerCase());
  if (!account) throw new AppError('NOT_FOUND', `No staff account for ${input.email}.`);
  const now = deps.now();
  let patch: Parameters<typeof updateStaff>[2];
  if (input.action === 'password') {
    const passwordHash = await hashPassword(
      field('password', passwordSchemaFor(account.email), input.password),
    );
    patch = { passwordHash, failedLogins: 0, lockedUntil: null };
  } else {
    patch =
      input.action === 'disable'
        ? { disabledAt: now }
        : { disabledAt: null, failedLogins: 0, lockedUntil: null };
  }
  await deps.db.transaction(async (tx) => {
    await updateStaff(tx, account.id, patch, now);
    if (input.action !== 'enable') await revokeStaffSessions(tx, account.id, now);
    await appendAuditEvent(tx, {
      kind: `staff.${input.action}`,
      actor: input.actor,
      data: { staffId: account.id },
      at: now,
    });
  });
}
