import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * What every wizard page state must pass: axe-core (the real engine, from npm) with no violation in
 * our own markup, no horizontal scroll at 200 % zoom (a 1024x768 window at 200 % is 512x384 CSS
 * px, WCAG 1.4.10 reflow), and screenshots at both sizes for a person to look at.
 */
const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const SHOTS = path.resolve('test-results/screenshots');
export const WIDE = { width: 1024, height: 768 };
export const ZOOM_200 = { width: 512, height: 384 };

interface AxeNode {
  target: string[];
  html: string;
}
interface AxeViolation {
  id: string;
  help: string;
  nodes: AxeNode[];
}

/**
 * Nodes that Fluent UI itself renders for focus management (tabster's dummy inputs and focus
 * guards), not our markup. Anything else counts.
 */
const isFluentInternal = (n: AxeNode) => /data-tabster-dummy|data-tabster=|fui-FocusGuard/.test(n.html);

export async function axeViolations(page: Page): Promise<string[]> {
  // page.evaluate runs over DevTools, so the page's strict CSP (script-src 'self') stays in force.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<unknown> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  const violations = (result as { violations: AxeViolation[] }).violations;
  return violations.flatMap((v) =>
    v.nodes
      .filter((n) => !isFluentInternal(n))
      .map((n) => `${v.id} (${v.help}): ${n.target.join(' ')} ${n.html.slice(0, 160)}`),
  );
}

/** The page and its scroll container fit the viewport's width. */
export async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const check = (el: Element | null, name: string) => {
      if (el && el.scrollWidth > el.clientWidth + 0.5)
        out.push(`${name}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    };
    check(document.scrollingElement, 'document');
    check(document.querySelector('.content'), 'page content');
    check(document.querySelector('.footer'), 'footer');
    check(document.querySelector('nav'), 'step list');
    // Anything drawn past the window's right edge (cut off), unless it sits in its own scroll box.
    const width = document.documentElement.clientWidth;
    const scrolls = (el: Element) => {
      for (let a = el.parentElement; a && !a.classList.contains('content'); a = a.parentElement) {
        const o = getComputedStyle(a).overflowX;
        if (o === 'auto' || o === 'scroll') return true;
      }
      return false;
    };
    for (const el of document.querySelectorAll('nav *, main *')) {
      const r = el.getBoundingClientRect();
      if (r.width && r.height && r.right > width + 1 && !scrolls(el))
        out.push(
          `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? '').slice(0, 40)}" ends at ${Math.round(r.right)} > ${width}`,
        );
    }
    return out.slice(0, 10);
  });
}

/** Let Fluent's transitions settle so a picture shows the page. */
const settle = (page: Page) => page.waitForTimeout(350);

/**
 * axe at 1024x768, a screenshot, then 200 % zoom: no horizontal scroll, axe again, a screenshot;
 * back to 1024x768.
 */
const toTop = (page: Page) => page.evaluate(() => document.querySelector('.content')?.scrollTo({ top: 0 }));

export async function checkPage(page: Page, name: string): Promise<void> {
  await page.setViewportSize(WIDE);
  await settle(page);
  expect(await axeViolations(page), `axe at 1024x768 on ${name}`).toEqual([]);
  await toTop(page);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
  await page.setViewportSize(ZOOM_200);
  await settle(page);
  expect(await horizontalOverflow(page), `horizontal scroll at 200 % on ${name}`).toEqual([]);
  expect(await axeViolations(page), `axe at 200 % on ${name}`).toEqual([]);
  await toTop(page);
  await page.screenshot({ path: path.join(SHOTS, `${name}-200pct.png`), fullPage: false });
  await page.setViewportSize(WIDE);
  await settle(page);
}

/** Presses Tab until the target (or something inside it) has the focus: a keyboard-only path to it. */
export async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    const focused = await target
      .evaluate((el) => el === document.activeElement || el.contains(document.activeElement))
      .catch(() => false);
    if (focused) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${String(target)} in ${max} presses`);
}
