import { z } from 'zod';
import { DEMO_PEOPLE, type DemoPerson } from './demo-schema.ts';

// What the demo newsletter (demo-newsletter.ts) keeps in its JSON file, and the seed it starts from.

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

export const storeSchema = z.strictObject({
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
