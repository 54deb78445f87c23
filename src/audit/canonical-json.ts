/**
 * Canonical JSON: object keys sorted at every depth (by UTF-16 code units, as RFC 8785 does),
 * no whitespace, numbers and strings exactly as JSON.stringify writes them. Two values that are
 * equal as JSON give the same text whatever their key order, so a hash over it survives jsonb,
 * which stores objects with its own key order.
 *
 * Strict on purpose: anything JSON.stringify would silently change (NaN → null, a Date → a string,
 * undefined in an array → null) throws instead, naming where it is, because a hash over a value
 * the database cannot store as given would never verify. Properties whose value is undefined are
 * left out, as JSON.stringify and jsonb do.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

export class CanonicalJsonError extends TypeError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`not canonical JSON at ${path}: ${what}`);
    this.name = 'CanonicalJsonError';
  }
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, String(value));
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? writeArray(value, path) : writeObject(value, path);
    default:
      throw new CanonicalJsonError(path, typeof value);
  }
}

function writeArray(items: unknown[], path: string): string {
  const parts: string[] = [];
  for (let i = 0; i < items.length; i++) parts.push(write(items[i], `${path}[${i}]`));
  return `[${parts.join(',')}]`;
}

function writeObject(value: object, path: string): string {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError(path, `${value.constructor?.name ?? 'object'} is not a plain object`);
  }
  const record = value as Record<string, unknown>;
  // Default sort compares UTF-16 code units: stable across engines and locales.
  const keys = Object.keys(record).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${write(item, `${path}.${key}`)}`);
  }
  return `{${parts.join(',')}}`;
}
