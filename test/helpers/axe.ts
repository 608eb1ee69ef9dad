import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { screenshot } from './browser.js';

/**
 * axe-core from node_modules, run in the page. Evaluated through the DevTools protocol rather than
 * added as a <script> element: the app's Content-Security-Policy (script-src 'self') refuses inline
 * scripts, as it should, and the tests keep that policy on.
 */
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** WCAG 2.1 A/AA and axe's best practices; the violations rated serious or critical. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Keep a screenshot of the screen under test/screenshots/, then fail on its serious or critical accessibility violations. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const violations = await seriousViolations(page);
  if (violations.length) throw new Error(`${name}: ${violations.length} serious or critical accessibility violations:\n${violations.map((v) => `  ${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`).join('\n')}`);
}
