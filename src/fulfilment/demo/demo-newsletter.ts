import path from 'node:path';
import type { Logger } from '../../logger.ts';
import { SIGNATURE_HEADER, signBody } from '../http/signature.ts';
import type { Subscription } from './demo-newsletter-data.ts';
import { NewsletterStore } from './demo-newsletter-store.ts';

// The demo newsletter: a stand-in for an external mailing-list system. It keeps its own subscribers in its
// own small JSON file (never in Rightsdesk's database) and answers Rightsdesk's signed calls the way a real
// system would: access and opt-out at once, erasure later through a signed callback (the slow-system path).

export const DEMO_NEWSLETTER_FILE = 'demo-newsletter.json';

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
