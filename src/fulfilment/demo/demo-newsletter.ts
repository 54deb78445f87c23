import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../logger.ts';
import { SIGNATURE_HEADER, signBody } from '../http/signature.ts';
import { DEMO_PEOPLE, type DemoPerson } from './demo-schema.ts';

// The demo newsletter: a stand-in for an external mailing-list system. It keeps its own subscribers in its
// own small JSON file (never in Rightsdesk's database) and answers Rightsdesk's signed calls the way a real
// system would: access and opt-out at once, erasure later through a signed callback (the slow-system path).

export const DEMO_NEWSLETTER_FILE = 'demo-newsletter.json';

const subscriptionSchema = z.strictObject({
  email: z.string().min(3),
  name: z.string(),
  list: z.string().min(1),
  status: z.enum(['subscribed', 'unsubscribed']),
  signedUpOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  unsubscribedAt: z.string().nullable(),
});

const pendingErasureSchema = z.strictObject({
  reference: z.string().min(1),
  email: z.string().min(3),
  callbackUrl: z.string().min(1),
  acceptedAt: z.string(),
  /** Set once the rows are gone: a restart then only repeats the callback, with the same count. */
  deleted: z.number().int().min(0).nullable(),
});

const storeSchema = z.strictObject({
  version: z.literal(1),
  subscriptions: z.array(subscriptionSchema),
  pendingErasures: z.array(pendingErasureSchema),
});

export type Subscription = z.infer<typeof subscriptionSchema>;
export type PendingErasure = z.infer<typeof pendingErasureSchema>;
export type NewsletterData = z.infer<typeof storeSchema>;

export function seedNewsletterData(people: readonly DemoPerson[] = DEMO_PEOPLE): NewsletterData {
  const subscriptions = people.flatMap((person) =>
    person.newsletter.map(
      (s): Subscription => ({
        email: person.email,
        name: person.displayName,
        list: s.list,
        status: s.subscribed ? 'subscribed' : 'unsubscribed',
        signedUpOn: s.signedUpOn,
        unsubscribedAt: s.subscribed ? null : `${s.signedUpOn}T12:00:00.000Z`,
      }),
    ),
  );
  return { version: 1, subscriptions, pendingErasures: [] };
}

/** Addresses are compared the way people type them: case and surrounding spaces do not matter. */
export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * The newsletter's own store: one JSON file, seeded on first change, replaced atomically (temp file, fsync,
 * rename) on every change. Changes run one at a time, so two requests never lose each other's writes.
 */
export class NewsletterStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Runs `change` on the current data; writes the data back when `change` says it changed something. */
  private serialize<T>(change: (data: NewsletterData) => { result: T; changed: boolean }): Promise<T> {
    const run = this.queue.then(async () => {
      // A store never written is the seed; it is written with the first change, never by a read.
      const data = await this.load();
      const { result, changed } = change(data);
      if (changed) await this.write(data);
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<NewsletterData> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return seedNewsletterData();
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // JSON.parse quotes the text around the problem: that could be someone's address, so not passed on.
      throw new Error(`${this.file}: not valid JSON (remove it to start the demo newsletter afresh)`);
    }
    const parsed = storeSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(
        `${this.file}: not a demo newsletter store (${issue.path.join('.')}: ${issue.message})`,
      );
    }
    return parsed.data;
  }

  private async write(data: NewsletterData): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(data, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** The whole store (the seed while nothing has changed yet). */
  snapshot(): Promise<NewsletterData> {
    return this.serialize((data) => ({ result: structuredClone(data), changed: false }));
  }

  subscriptionsOf(email: string): Promise<Subscription[]> {
    return this.serialize((data) => ({
      result: data.subscriptions.filter((s) => sameEmail(s.email, email)),
      changed: false,
    }));
  }

  /** Unsubscribes the person from every list they are still on; returns how many subscriptions changed. */
  unsubscribe(email: string, at: Date): Promise<number> {
    return this.serialize((data) => {
      let count = 0;
      for (const s of data.subscriptions) {
        if (sameEmail(s.email, email) && s.status === 'subscribed') {
          s.status = 'unsubscribed';
          s.unsubscribedAt = at.toISOString();
          count++;
        }
      }
      return { result: count, changed: count > 0 };
    });
  }

  /** Records an erasure to carry out later; the same reference twice keeps one entry (latest callback). */
  acceptErasure(entry: Omit<PendingErasure, 'deleted'>): Promise<void> {
    return this.serialize((data) => {
      const existing = data.pendingErasures.find((p) => p.reference === entry.reference);
      if (existing) {
        existing.callbackUrl = entry.callbackUrl;
        if (existing.deleted === null) existing.email = entry.email;
      } else {
        data.pendingErasures.push({ ...entry, deleted: null });
      }
      return { result: undefined, changed: true };
    });
  }

  /** Deletes the person's subscriptions for a pending erasure (once); returns the entry with its count. */
  carryOutErasure(reference: string): Promise<PendingErasure | undefined> {
    return this.serialize((data) => {
      const entry = data.pendingErasures.find((p) => p.reference === reference);
      if (!entry) return { result: undefined, changed: false };
      if (entry.deleted !== null) return { result: { ...entry }, changed: false };
      const before = data.subscriptions.length;
      data.subscriptions = data.subscriptions.filter((s) => !sameEmail(s.email, entry.email));
      entry.deleted = before - data.subscriptions.length;
      return { result: { ...entry }, changed: true };
    });
  }

  /** Forgets a finished erasure, and with it the address it was for. */
  forgetErasure(reference: string): Promise<void> {
    return this.serialize((data) => {
      const before = data.pendingErasures.length;
      data.pendingErasures = data.pendingErasures.filter((p) => p.reference !== reference);
      return { result: undefined, changed: data.pendingErasures.length !== before };
    });
  }

  pendingReferences(): Promise<string[]> {
    return this.serialize((data) => ({
      result: data.pendingErasures.map((p) => p.reference),
      changed: false,
    }));
  }
}

export type DemoNewsletterOptions = {
  dataDir: string;
  /** The shared HMAC secret (demoNewsletterSecret(config.secretKey)). */
  secret: string;
  now: () => Date;
  /** When given, callbacks go only to this origin (Rightsdesk itself). */
  publicUrl?: string;
  logger?: Logger;
  /** How long the "slow system" waits before erasing (default 500 ms). */
  eraseDelayMs?: number;
  /** Callback attempts in all (default 4) and the delay before the n-th retry: n × retryDelayMs (default 1 s). */
  callbackAttempts?: number;
  retryDelayMs?: number;
  /** Per callback attempt (default 5 s). */
  callbackTimeoutMs?: number;
};

export type CallbackBody = {
  reference: string;
  action: 'erase';
  status: 'done';
  receipt: { deleted: number };
};

/** The newsletter system: its store plus the background erasures it owes callbacks for. */
export class DemoNewsletter {
  readonly store: NewsletterStore;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly scheduled = new Set<string>();
  private closed = false;

  constructor(readonly options: DemoNewsletterOptions) {
    this.store = new NewsletterStore(path.join(options.dataDir, DEMO_NEWSLETTER_FILE));
    // Erasures accepted before a restart are still owed: pick them up (after the same short delay).
    this.later(() => this.resume(), this.eraseDelayMs);
  }

  get secret(): string {
    return this.options.secret;
  }

  get now(): () => Date {
    return this.options.now;
  }

  private get eraseDelayMs(): number {
    return this.options.eraseDelayMs ?? 500;
  }

  /** Whether a callback may go to this URL: http(s), and Rightsdesk's own origin when publicUrl is known. */
  callbackAllowed(callbackUrl: string): boolean {
    let url: URL;
    try {
      url = new URL(callbackUrl);
    } catch {
      return false;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return !this.options.publicUrl || url.origin === new URL(this.options.publicUrl).origin;
  }

  access(email: string): Promise<Subscription[]> {
    return this.store.subscriptionsOf(email);
  }

  optOut(email: string): Promise<number> {
    return this.store.unsubscribe(email, this.options.now());
  }

  /** Accepts an erasure (durably) and carries it out a moment later, then calls back. */
  async acceptErasure(reference: string, email: string, callbackUrl: string): Promise<void> {
    await this.store.acceptErasure({
      reference,
      email,
      callbackUrl,
      acceptedAt: this.options.now().toISOString(),
    });
    this.schedule(reference);
  }

  /** Resolves when no erasure or callback is pending in this process (tests). */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.running.size > 0) {
      await Promise.all([...this.running]);
      if (this.timers.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops timers; pending erasures stay in the store and resume at the next start. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(task: () => Promise<void>, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const run = task()
        .catch((error: unknown) =>
          // The message may not carry personal data: only the error's name and code are logged.
          this.options.logger?.warn(
            { err: { name: (error as Error).name, code: (error as NodeJS.ErrnoException).code } },
            'demo newsletter: background work failed',
          ),
        )
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private schedule(reference: string): void {
    if (this.scheduled.has(reference)) return;
    this.scheduled.add(reference);
    this.later(() => this.finish(reference), this.eraseDelayMs);
  }

  private async resume(): Promise<void> {
    for (const reference of await this.store.pendingReferences()) this.schedule(reference);
  }

  private async finish(reference: string): Promise<void> {
    try {
      const entry = await this.store.carryOutErasure(reference);
      if (!entry) return;
      const body: CallbackBody = {
        reference,
        action: 'erase',
        status: 'done',
        receipt: { deleted: entry.deleted ?? 0 },
      };
      const outcome = await this.deliver(entry.callbackUrl, JSON.stringify(body));
      // Closed mid-way: the entry stays, and the next start repeats the callback with the same count.
      if (outcome === 'closed') return;
      if (outcome === 'failed') {
        this.options.logger?.warn({ reference }, 'demo newsletter: erasure callback failed; giving up');
      }
      // Delivered or not, the address is forgotten: Rightsdesk's task times out and can be retried.
      await this.store.forgetErasure(reference);
    } finally {
      this.scheduled.delete(reference);
    }
  }

  private async deliver(callbackUrl: string, text: string): Promise<'delivered' | 'failed' | 'closed'> {
    const attempts = this.options.callbackAttempts ?? 4;
    const retryDelayMs = this.options.retryDelayMs ?? 1000;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.closed) return 'closed';
      try {
        const response = await fetch(callbackUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signBody(this.options.secret, text, this.options.now()),
          },
          body: text,
          redirect: 'error',
          signal: AbortSignal.timeout(this.options.callbackTimeoutMs ?? 5000),
        });
        await response.body?.cancel();
        if (response.ok) return 'delivered';
        this.options.logger?.warn({ status: response.status, attempt }, 'demo newsletter: callback refused');
      } catch (error) {
        this.options.logger?.warn(
          { err: { name: (error as Error).name }, attempt },
          'demo newsletter: callback unreachable',
        );
      }
      if (attempt < attempts) await sleep(attempt * retryDelayMs);
    }
    return 'failed';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export function createDemoNewsletter(options: DemoNewsletterOptions): DemoNewsletter {
  return new DemoNewsletter(options);
}
