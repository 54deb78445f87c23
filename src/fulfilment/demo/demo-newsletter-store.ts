import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type NewsletterData,
  type PendingErasure,
  type Subscription,
  sameEmail,
  seedNewsletterData,
  storeSchema,
} from './demo-newsletter-data.ts';

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
