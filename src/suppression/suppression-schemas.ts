import { z } from 'zod';

const emailFormat = z.email();

// Validated trimmed, answered as sent: the mailer matches the answer against its own list.
const recipient = z
  .string()
  .max(254, 'must be at most 254 characters')
  .refine((value) => emailFormat.safeParse(value.trim()).success, 'must be a valid email address');

/** POST /api/v1/marketing/recipients */
export const recipientsBody = z.strictObject({
  emails: z.array(recipient).min(1, 'give at least one address').max(1000, 'at most 1000 addresses'),
});
export type RecipientsBody = z.infer<typeof recipientsBody>;

/** The token in /unsubscribe/{token}; its shape and MAC are checked by the service. */
export const unsubscribeTokenParam = z.string().min(1).max(512);
