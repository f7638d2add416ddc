/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, with its globals.
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { removeDir, startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { browserAvailable, expectAccessible, launch, shot, watch, type PageWatch } from './browser.js'

describe.runIf(browserAvailable('admin.e2e.test.ts'))('dashboard: the admin view in Chromium', { timeout: 60_000 }, () => {
  let gw: TestGateway
  let browser: Browser
  let admin: Page
  let merchant: Page
  const seen: PageWatch[] = []
  let createdKey = ''

  beforeAll(async () => {
    ;[gw, browser] = await Promise.all([startTestGateway(), launch()])
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url })
    admin = await context.newPage()
    // Another context: its own sessionStorage, like another person's browser.
    merchant = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    for (const page of [admin, merchant]) {
      page.setDefaultTimeout(10_000)
      seen.push(watch(page))
    }
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    if (gw) removeDir(gw.dataDir)
  })

  afterEach(() => {
    for (const w of seen) {
      expect(w.problems).toEqual([])
      expect(w.dialogs).toEqual([])
    }
  })

  const signIn = async (page: Page, token: string) => {
    await page.goto(`${gw.url}/dashboard`)
    await page.getByLabel('API key').fill(token)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  it('lists accounts and their keys with the admin token', async () => {
    await signIn(admin, gw.adminToken)
    await admin.getByTestId('mode-badge').getByText('ADMIN').waitFor()
    await admin.getByRole('heading', { name: 'Default account' }).waitFor()
    await admin.locator(`tr[data-id="${gw.bootstrap!.key_id}"]`).getByRole('cell', { name: 'test', exact: true }).waitFor()
    expect(await admin.content()).not.toContain(gw.key)
    await expectAccessible(admin)
  })

  it('creates a key shown once, with a copy button', async () => {
    await admin.getByLabel('Name (optional)').fill('dashboard test')
    await admin.getByRole('button', { name: 'Create key' }).click()
    const key = (await admin.getByTestId('secret').textContent()) ?? ''
    createdKey = key
    expect(key).toMatch(/^mpg_test_[0-9A-Za-z]{32}$/)
    await admin.getByRole('button', { name: 'Copy' }).click()
    await admin.getByRole('button', { name: 'Copied' }).waitFor()
    expect(await admin.evaluate(() => navigator.clipboard.readText())).toBe(key)
    await admin.getByRole('cell', { name: 'dashboard test' }).waitFor()
    await admin.getByRole('button', { name: 'I have stored it' }).click()
    await admin.reload()
    await admin.getByRole('cell', { name: 'dashboard test' }).waitFor()
    await shot(admin, 'admin')
    expect(await admin.content()).not.toContain(key)

    // The new key signs in to its account, in another browser.
    await signIn(merchant, key)
    await merchant.getByRole('status').getByText('Live').waitFor()
  })

  it('revokes a key: its open dashboard goes offline with the reason, and it cannot sign in again', async () => {
    const row = admin.locator('tr', { has: admin.getByRole('cell', { name: 'dashboard test' }) })
    await row.getByRole('button', { name: /^Revoke/ }).click()
    await row.getByText(/^revoked/).waitFor()

    await merchant.getByRole('status').getByText('Offline').waitFor()
    await merchant.getByRole('alert').getByText('API key revoked').waitFor()

    await merchant.getByRole('button', { name: 'Sign out' }).click()
    await merchant.getByLabel('API key').fill(createdKey)
    await merchant.getByRole('button', { name: 'Sign in' }).click()
    await merchant.getByRole('alert').getByText('this API key was revoked').waitFor()
  })
})
