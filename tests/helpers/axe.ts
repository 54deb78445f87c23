import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { screenshot } from './browser.ts';

/*
 * axe-core in a real page. The app's CSP (helmet: script-src 'self') refuses inline scripts, so
 * page.addScriptTag({ content }) is blocked; page.evaluate runs through the DevTools protocol,
 * which CSP does not govern, and the page keeps its real CSP for everything else.
 */

/** WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (landmarks, heading order, one h1 …). */
export const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

export type AxeViolation = {
  id: string;
  impact: axe.ImpactValue | undefined;
  help: string;
  helpUrl: string;
  targets: string[];
  /** axe's own explanation for the first few elements (what failed and why). */
  summaries: string[];
};

/**
 * Moderate rules that fail a page too: structure that is cheap to get right and that screen-reader
 * users navigate by (landmarks, headings). Other moderate and minor results are only printed.
 */
export const failingModerateRules = new Set([
  'region',
  'landmark-one-main',
  'landmark-no-duplicate-main',
  'landmark-no-duplicate-banner',
  'landmark-no-duplicate-contentinfo',
  'landmark-unique',
  'landmark-banner-is-top-level',
  'landmark-contentinfo-is-top-level',
  'landmark-main-is-top-level',
  'landmark-complementary-is-top-level',
  'page-has-heading-one',
  'heading-order',
  'empty-heading',
  'bypass',
]);

/** Runs axe (WCAG A/AA 2.0–2.2 and best practices) on the page as it is now; returns every violation. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(axe.source);
  const tags = wcagTags;
  return page.evaluate(async (values) => {
    const api = (window as unknown as { axe: typeof axe }).axe;
    const results = await api.run(document, {
      runOnly: { type: 'tag', values },
      resultTypes: ['violations'],
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.map(String).join(' ')),
      summaries: v.nodes.slice(0, 3).map((n) => n.failureSummary ?? ''),
    }));
  }, tags);
}

/** Whether a violation fails the test: every serious or critical one, and the structural moderate ones. */
export const isBlocking = (v: AxeViolation) =>
  v.impact === 'serious' || v.impact === 'critical' || failingModerateRules.has(v.id);

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `- ${v.id} [${v.impact}] ${v.help}\n    targets: ${v.targets.join(' | ')}\n    ${v.summaries
          .join('\n    ')
          .replace(/\n(?! {4})/g, '\n      ')}`,
    )
    .join('\n');
}

/**
 * Fails listing rule id, impact, help and target selectors of every serious or critical violation
 * (and of the structural moderate ones above); prints the remaining moderate and minor ones.
 */
export async function expectNoSeriousViolations(page: Page, name: string): Promise<AxeViolation[]> {
  const violations = await axeViolations(page);
  const blocking = violations.filter(isBlocking);
  const advisory = violations.filter((v) => !isBlocking(v));
  if (advisory.length) console.warn(`axe (not failing) on ${name}:\n${describeViolations(advisory)}`);
  expect(blocking, `axe violations on ${name}:\n${describeViolations(blocking)}`).toEqual([]);
  return violations;
}

export type Widths = { scrollWidth: number; clientWidth: number; overflowing: string[] };

/**
 * The document's width against the viewport's, and the elements (as short selectors) whose right
 * edge is past the viewport: horizontal scrolling at that width (WCAG 1.4.10 Reflow).
 */
export function measureWidths(page: Page): Promise<Widths> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const limit = root.clientWidth;
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${Array.from(el.classList)
        .map((c) => `.${c}`)
        .join('')}`;
    const overflowing: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= limit + 0.5) continue;
      // Inside a scroll container of its own (a wide table in its wrapper) it does not move the page.
      let scroller = el.parentElement;
      let contained = false;
      while (scroller && scroller !== document.body) {
        const style = getComputedStyle(scroller);
        if (/(auto|scroll|hidden|clip)/.test(style.overflowX)) {
          contained = scroller.getBoundingClientRect().right <= limit + 0.5;
          break;
        }
        scroller = scroller.parentElement;
      }
      // Off-screen on purpose (the skip link, visually hidden text) is not a reflow problem.
      if (!contained && box.left < limit && getComputedStyle(el).position !== 'absolute') {
        overflowing.push(name(el));
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: limit, overflowing: overflowing.slice(0, 10) };
  });
}

/** No horizontal scroll: the document is no wider than the viewport. */
export async function expectNoHorizontalScroll(page: Page, name: string): Promise<void> {
  const widths = await measureWidths(page);
  expect(
    widths.scrollWidth,
    `${name}: the page scrolls sideways (${widths.scrollWidth} > ${widths.clientWidth} CSS px); too wide: ${widths.overflowing.join(', ')}`,
  ).toBeLessThanOrEqual(widths.clientWidth);
}

/**
 * Text cut off by its box: elements with overflow hidden/clip whose content is wider or taller than
 * they are (the visually-hidden pattern and the honeypot excepted), as short selectors.
 */
export function clippedText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll<HTMLElement>('*'))) {
      if (el.closest('.visually-hidden, .hp, .skip-link, [aria-hidden="true"]')) continue;
      if (!el.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      const clipsX = /(hidden|clip)/.test(style.overflowX);
      const clipsY = /(hidden|clip)/.test(style.overflowY);
      if (style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
        out.push(`${el.tagName.toLowerCase()}.${Array.from(el.classList).join('.')} (ellipsis)`);
        continue;
      }
      if (
        (clipsX && el.scrollWidth > el.clientWidth + 1) ||
        (clipsY && el.scrollHeight > el.clientHeight + 1)
      ) {
        out.push(
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${Array.from(el.classList).join('.')}`,
        );
      }
    }
    return out;
  });
}

/**
 * The focus indicator of the focused element: its outline and box-shadow as computed. "Visible" means
 * an outline style other than none at least 2px wide, or a box-shadow; `contrast` is the contrast
 * ratio of the indicator's colour (the outline's, else the box-shadow's outermost one) against the
 * background around the element (WCAG 1.4.11: at least 3:1).
 */
export async function focusIndicator(page: Page): Promise<{
  element: string;
  outline: string;
  boxShadow: string;
  visible: boolean;
  contrast: number;
}> {
  return page.evaluate(() => {
    const parse = (color: string): [number, number, number, number] | undefined => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(color);
      return m
        ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])]
        : undefined;
    };
    const luminance = ([r, g, b]: number[]) => {
      const [R, G, B] = [r!, g!, b!].map((c) => {
        const s = c / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * R! + 0.7152 * G! + 0.0722 * B!;
    };
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body)
      return { element: 'body', outline: '', boxShadow: '', visible: false, contrast: 0 };
    const style = getComputedStyle(el);
    const outlineWidth = Number.parseFloat(style.outlineWidth) || 0;
    const outlineVisible = style.outlineStyle !== 'none' && outlineWidth >= 2;
    const shadowVisible = style.boxShadow !== 'none' && style.boxShadow !== '';
    const shadowColors = style.boxShadow.match(/rgba?\([^)]*\)/g) ?? [];
    const indicator = parse(outlineVisible ? style.outlineColor : (shadowColors.at(-1) ?? ''));
    // The background the indicator sits on: the first opaque one around the element.
    let background: [number, number, number, number] = [255, 255, 255, 1];
    for (let node = el.parentElement; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg && bg[3] > 0) {
        background = bg;
        break;
      }
    }
    let contrast = 0;
    if (indicator && indicator[3] > 0) {
      const [a, b] = [luminance(indicator), luminance(background)];
      contrast = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    }
    const element = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${
      el.getAttribute('type') ? `[type=${el.getAttribute('type')}]` : ''
    }`;
    return {
      element,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
      boxShadow: style.boxShadow,
      visible: outlineVisible || shadowVisible,
      contrast: Math.round(contrast * 100) / 100,
    };
  });
}

/**
 * What axe does not check, or checks more leniently, in WCAG 2.2 AA terms, as messages:
 * - one main, one h1, a banner and a contentinfo landmark (the layout's header and footer);
 * - a field marked aria-invalid names its error in words through aria-describedby, and every
 *   `.has-error` block (red border) holds the error as text: never colour alone (1.4.1);
 * - every control (button, field, select, button-styled link, details summary) is at least 24×24
 *   CSS px itself (2.5.8; stricter than axe, which also accepts spacing). Links inside running text
 *   are exempt, as the criterion says.
 */
export function structureProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${Array.from(el.classList)
        .map((c) => `.${c}`)
        .join('')}`;
    const visible = (el: Element) => {
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden';
    };
    const count = (selector: string) =>
      Array.from(document.querySelectorAll(selector)).filter(visible).length;
    if (document.querySelectorAll('main').length !== 1) problems.push('there must be exactly one <main>');
    if (count('h1') !== 1) problems.push(`there must be exactly one visible <h1>, found ${count('h1')}`);
    if (!document.querySelector('body > header')) problems.push('no page header (banner landmark)');
    if (!document.querySelector('body > footer')) problems.push('no page footer (contentinfo landmark)');
    for (const field of Array.from(document.querySelectorAll('[aria-invalid="true"]'))) {
      const ids = (field.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      const described = ids.map((id) => document.getElementById(id)?.textContent?.trim() ?? '').join(' ');
      if (!ids.some((id) => document.getElementById(id)?.classList.contains('field-error')) || !described) {
        problems.push(`${name(field)} is aria-invalid but not described by its error message`);
      }
    }
    for (const block of Array.from(document.querySelectorAll('.has-error'))) {
      const text = Array.from(block.querySelectorAll('.field-error'))
        .map((e) => e.textContent?.trim())
        .join('');
      if (!text) problems.push(`${name(block)} is marked as an error by colour only (no error text inside)`);
    }
    const controls = document.querySelectorAll(
      'button, input:not([type="hidden"]), select, textarea, a.button, summary',
    );
    for (const el of Array.from(controls)) {
      if (el.closest('[aria-hidden="true"]') || !visible(el)) continue;
      const box = el.getBoundingClientRect();
      if (box.width < 23.5 || box.height < 23.5) {
        problems.push(
          `${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)} CSS px, under 24×24`,
        );
      }
    }
    return problems;
  });
}

/** The two widths every page is checked at: a laptop and a small phone. */
export const auditViewports = [
  { width: 1280, height: 800 },
  { width: 360, height: 740 },
] as const;

/**
 * The page as it is now, at 1280×800 and at 360×740: no blocking axe violation, none of the
 * structureProblems above, no horizontal scroll, and a full-page screenshot `a11y-<name>-<width>.png` in artifacts/screenshots. Every problem at both
 * widths is collected before the test fails, so one run shows them all.
 */
export async function auditPage(page: Page, name: string): Promise<void> {
  const problems: string[] = [];
  for (const viewport of auditViewports) {
    await page.setViewportSize(viewport);
    const label = `${name} at ${viewport.width}px`;
    const violations = await axeViolations(page);
    const blocking = violations.filter(isBlocking);
    const advisory = violations.filter((v) => !isBlocking(v));
    if (advisory.length) console.warn(`axe (not failing) on ${label}:\n${describeViolations(advisory)}`);
    if (blocking.length) problems.push(`axe violations on ${label}:\n${describeViolations(blocking)}`);
    problems.push(...(await structureProblems(page)).map((p) => `${label}: ${p}`));
    const widths = await measureWidths(page);
    if (widths.scrollWidth > widths.clientWidth) {
      problems.push(
        `${label}: the page scrolls sideways (${widths.scrollWidth} > ${widths.clientWidth} CSS px); too wide: ${widths.overflowing.join(', ')}`,
      );
    }
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, `a11y-${name}-${viewport.width}`);
  }
  expect(problems.join('\n\n')).toBe('');
}
