import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const templatesDir = fileURLToPath(new URL('../templates', import.meta.url));

export type Views = {
  /** Renders `name` (e.g. 'errors/error') inside layouts/main unless layout is false. */
  render(name: string, context: Record<string, unknown>, options?: { layout?: string | false }): string;
};

type Globals = { orgName: string };

function walk(dir: string, prefix = ''): [string, string][] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    const name = prefix ? `${prefix}/${entry}` : entry;
    if (statSync(full).isDirectory()) return walk(full, name);
    return entry.endsWith('.hbs') ? [[name.slice(0, -4), full] as [string, string]] : [];
  });
}

// Templates are compiled once at boot: rendering is then a function call, and a broken template fails start-up.
export function createViews(globals: Globals, dir = templatesDir): Views {
  const hbs = Handlebars.create();
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('linkify', (text: unknown) => {
    const escaped = Handlebars.escapeExpression(String(text ?? ''));
    return new Handlebars.SafeString(
      escaped.replace(/https?:\/\/[^\s<>"']+/g, (href) => `<a href="${href}">${href}</a>`),
    );
  });
  const compiled = new Map<string, Handlebars.TemplateDelegate>();
  for (const [name, file] of walk(dir)) {
    const source = readFileSync(file, 'utf8');
    if (name.startsWith('partials/')) hbs.registerPartial(name.slice('partials/'.length), source);
    else compiled.set(name, hbs.compile(source, { strict: false }));
  }
  const get = (name: string) => {
    const template = compiled.get(name);
    if (!template) throw new Error(`no template named ${name}`);
    return template;
  };
  return {
    render(name, context, options = {}) {
      const data = { ...globals, ...context };
      const body = get(name)(data);
      if (options.layout === false) return body;
      return get(`layouts/${options.layout ?? 'main'}`)({ ...data, body });
    },
  };
}
