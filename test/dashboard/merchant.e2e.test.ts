/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser, with its globals.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { browserAvailable, expectAccessible, launch, shot, watch, type PageWatch } from './browser.js'

/** The emulator holds prompts to this phone until the test answers for the customer. */
const HELD_PHONE = '254700000008'
const XSS = '<img src=x onerror="window.__xss=1;alert(1)">'

describe.runIf(browserAvailable('merchant.e2e.test.ts'))('dashboard: a merchant in Chromium', { timeout: 60_000 }, () => {
  let gw: TestGateway
  let receiver: CallbackReceiver
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let seen: PageWatch
  let liveId = ''

  beforeAll(async () => {
    ;[gw, receiver, browser] = await Promise.all([startTestGateway(), startCallbackReceiver(), launch()])
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    seen = watch(page)
    await page.goto(`${gw.url}/dashboard`)
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await receiver?.close()
    await gw?.close()
    if (gw) removeDir(gw.dataDir)
  })

  afterEach(() => {
    expect(seen.problems).toEqual([])
    expect(seen.dialogs).toEqual([])
  })

  const push = async (overrides: Record<string, unknown>) => {
    const res = await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody(overrides) })
    expect(res.status).toBe(201)
    return (await res.json()) as { transaction_id: string; checkout_request_id: string }
  }
  const row = (id: string) => page.locator(`tr[data-id="${id}"]`)

  it('signs in with an API key; a wrong key gets the API error text', async () => {
    await expectAccessible(page)
    await page.getByLabel('API key').fill(`mpg_test_${'0'.repeat(32)}`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').getByText('Unauthorized').waitFor()
    await page.getByRole('alert').getByText('unknown API key').waitFor()

    await page.getByLabel('API key').fill(gw.key)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('mode-badge').getByText('TEST').waitFor()
    expect(await page.getByTestId('account-name').textContent()).toBe('Default account')
    // The key lives in sessionStorage only: not in the URL, not in a cookie.
    expect(await page.evaluate(() => Object.values(sessionStorage))).toContain(gw.key)
    expect(page.url()).not.toContain(gw.key)
    expect(await context.cookies()).toEqual([])
    await page.getByRole('status').getByText('Live').waitFor()
  })

  it('shows a new payment and turns it to success live, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true))
    const payment = await push({ phone: HELD_PHONE, reference: 'LIVE-1', amount: 250 })
    liveId = payment.transaction_id
    await row(payment.transaction_id).getByText('pending').waitFor()
    expect(await row(payment.transaction_id).textContent()).toContain('2547•••••008')

    gw.emulator!.resolve(payment.checkout_request_id, 0)
    await row(payment.transaction_id).getByText('success').waitFor()
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true)

    await page.getByLabel('Status').selectOption('pending')
    await row(payment.transaction_id).waitFor({ state: 'detached' })
    await page.getByLabel('Status').selectOption('')
    await page.getByLabel('Search reference').fill('LIVE-1')
    await row(payment.transaction_id).waitFor()
    await page.getByLabel('Search reference').fill('')
    await expectAccessible(page)
    await shot(page, 'transactions')
  })

  it("opens a transaction's timeline with its fee split", async () => {
    await page.getByRole('link', { name: 'LIVE-1' }).click()
    const timeline = page.getByTestId('timeline')
    await timeline.getByText('Settled: success by Daraja\'s callback').waitFor()
    await timeline.getByText('Event payment.success').waitFor()
    await timeline.getByText('Daraja accepted the STK push').waitFor()
    await page.getByText('Platform fee').waitFor()
    expect(await page.locator('.fees').textContent()).toContain('KES 3.75')
    await expectAccessible(page)
    await shot(page, 'transaction')
  })

  it('adds an endpoint and shows its secret once', async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).click()
    receiver.answerWith({ status: 500, body: 'receiver down', headers: { 'content-type': 'text/plain' } })
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hooks`)
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    const secret = (await page.getByTestId('secret').textContent()) ?? ''
    expect(secret).toMatch(/^whsec_/)
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await page.getByTestId('secret').waitFor({ state: 'detached' })
    await page.reload()
    await page.getByRole('link', { name: `${receiver.url}/hooks` }).first().waitFor()
    expect(await page.content()).not.toContain(secret)

    // A second endpoint, removed again.
    await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/spare')
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await page.getByRole('button', { name: 'I have stored it' }).click()
    await page.getByRole('button', { name: 'Remove http://127.0.0.1:9/spare' }).click()
    await page.getByRole('status').filter({ hasText: 'Removed http://127.0.0.1:9/spare' }).waitFor()
    // The status can be painted before the list is drawn again: wait for the link to go (a link
    // that stays fails here, at the timeout), then check that no copy of it is left.
    await page.getByRole('link', { name: 'http://127.0.0.1:9/spare' }).first().waitFor({ state: 'detached' })
    expect(await page.getByRole('link', { name: 'http://127.0.0.1:9/spare' }).count()).toBe(0)
  })

  it("shows a failing receiver's attempts, and Resend delivers", async () => {
    await page.getByRole('button', { name: 'Send test event' }).click()
    await page.getByRole('status').filter({ hasText: 'Test payment' }).waitFor()
    await page.getByRole('link', { name: `${receiver.url}/hooks` }).first().click()
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor()
    // The test payment's payout.success goes to the endpoint too: follow the payment's delivery.
    const delivery = page.locator('.deliveries li', { hasText: 'payment.success' })
    // 1 attempt + 3 retries (50, 100, 200 ms apart in tests), each answered 500.
    await delivery.getByText('failed', { exact: true }).waitFor()
    expect(await delivery.locator('tbody tr').count()).toBe(4)
    expect(await delivery.locator('tbody').textContent()).toContain('receiver down')

    receiver.answerWith({ status: 200, body: 'ok' })
    await delivery.getByRole('button', { name: /^Resend/ }).click()
    await delivery.getByText('succeeded', { exact: true }).waitFor()
    expect(await delivery.locator('tbody tr').count()).toBe(5)
    const deliveryId = await delivery.getAttribute('data-id')
    expect(receiver.received().filter((r) => r.headers['x-mpesa-gateway-delivery'] === deliveryId).map((r) => r.path)).toEqual(Array(5).fill('/hooks'))
    await expectAccessible(page)
    await shot(page, 'webhook-deliveries')
    await page.getByRole('link', { name: '← Webhooks' }).click()
    await expectAccessible(page)
    await shot(page, 'webhooks')
  })

  it('renders merchant and customer strings as text (XSS)', async () => {
    receiver.answerWith({ status: 200, body: XSS })
    const payment = await push({ phone: '254708374149', reference: XSS.slice(0, 40), description: XSS.slice(0, 60) })
    await page.getByRole('navigation').getByRole('link', { name: 'Transactions' }).click()
    await row(payment.transaction_id).getByText('success').waitFor()
    expect(await row(payment.transaction_id).getByRole('link').textContent()).toBe(XSS.slice(0, 40))
    await row(payment.transaction_id).getByRole('link').click()
    await page.getByTestId('timeline').getByText('Event payment.success').waitFor()
    await page.goto(`${gw.url}/dashboard#/webhooks`)
    await page.getByRole('link', { name: `${receiver.url}/hooks` }).first().click()
    await page.locator('td.response', { hasText: XSS }).first().waitFor()
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
  })

  it("pages with the API's cursor", async () => {
    // 21 more payments held at the phone: more than the first page of 20 holds.
    const created = []
    for (let i = 0; i < 21; i++) created.push(await push({ phone: HELD_PHONE, reference: `PAGE-${i}` }))
    await page.goto(`${gw.url}/dashboard#/transactions`)
    await page.reload()
    await row(created[20].transaction_id).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(20)
    // The search asks the API, so a reference that is not on the loaded page is found.
    await expect(row(created[0].transaction_id).count()).resolves.toBe(0)
    await page.getByLabel('Search reference').fill('PAGE-0')
    await row(created[0].transaction_id).waitFor()
    await row(created[20].transaction_id).waitFor({ state: 'detached' })
    expect(await page.locator('tbody tr').count()).toBe(1)
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0)
    await page.getByLabel('Search reference').fill('page-0')
    await page.getByText('No transaction has exactly this reference.').waitFor()
    await page.getByLabel('Search reference').fill('')
    await row(created[20].transaction_id).waitFor()
    expect(await page.locator('tbody tr').count()).toBe(20)
    await page.getByRole('button', { name: 'Load more' }).click()
    await row(liveId).waitFor()
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(20)
  })

  it('shows the overview chart', async () => {
    await page.goto(`${gw.url}/dashboard#/overview`)
    await page.locator('.chart canvas').waitFor()
    expect(Number(await page.getByTestId('paid-count').textContent())).toBeGreaterThanOrEqual(2)
    await expectAccessible(page)
    await shot(page, 'overview')
  })

  it('works at a phone width and from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.goto(`${gw.url}/dashboard#/transactions`)
    await page.reload()
    await page.locator('tbody tr').first().waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await shot(page, 'phone-transactions')

    // Keyboard only: the skip link, then the sections and Sign out are reachable with Tab.
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content')
    const reached: string[] = []
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      reached.push((await page.evaluate(() => document.activeElement?.textContent)) ?? '')
    }
    expect(reached).toEqual(expect.arrayContaining(['Overview', 'Transactions', 'Webhooks', 'Sign out']))
    await page.getByRole('navigation').getByRole('link', { name: 'Webhooks' }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor()
    await page.setViewportSize({ width: 1280, height: 800 })
  })

  it('signs out and forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('API key').waitFor()
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.reload()
    await page.getByLabel('API key').waitFor()
  })
})
