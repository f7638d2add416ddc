/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, with its globals.
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { repoRoot } from '../helpers/run-cli.js'

/** Debian's chromium (installed by .ci/run); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium'
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

/** Screenshots of a run go here (gitignored). */
export const SHOTS_DIR = join(repoRoot, 'test-output', 'dashboard')

/**
 * Whether the browser tests run. In CI a missing Chromium is a failure (the tests run and fail
 * at launch); elsewhere the suite is skipped with one line saying how to enable it.
 */
export function browserAvailable(file: string): boolean {
  if (existsSync(CHROMIUM) || process.env.CI) return true
  console.log(`${file}: skipped, no ${CHROMIUM} (apt-get install -y chromium to run the dashboard's browser tests)`)
  return false
}

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the dashboard's browser tests need Debian's chromium (apt-get install -y chromium)`)
  mkdirSync(SHOTS_DIR, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true })
}

/** What a page did that a user should never see: script errors, CSP violations, dialogs (e.g. alert). */
export interface PageWatch {
  problems: string[]
  dialogs: string[]
}

export function watch(page: Page): PageWatch {
  const w: PageWatch = { problems: [], dialogs: [] }
  page.on('pageerror', (error) => w.problems.push(`page error: ${error.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) w.problems.push(`CSP: ${msg.text()}`)
  })
  page.on('dialog', (dialog) => {
    w.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  return w
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/** axe-core on the page as it is now: the serious and critical violations (rule id: first target). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, target: JSON.stringify(v.nodes[0]?.target ?? []) }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.target}`)
}

export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([])
}

export async function shot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}
