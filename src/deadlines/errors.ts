/** Bad input to the clock (CLI options, events, settings); `field` names what is wrong so callers can point at it. */
export class DeadlineInputError extends Error {
  readonly code = 'DEADLINE_INPUT' as const;
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'DeadlineInputError';
    this.field = field;
  }
}
