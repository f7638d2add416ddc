import { rmSync } from 'node:fs'
import type { Store } from '../../src/store/store.js'
import type { Clock } from '../../src/utils/clock.js'
import { createLogger } from '../../src/core/logger.js'
import { createGateway, type RunningGateway } from '../../src/gateway/create-gateway.js'
import { checkResponse } from './openapi-check.js'
import { storeEnvFor } from './store-env.js'
import { tempDir } from './temp-dir.js'

export interface TestGateway extends RunningGateway {
  dataDir: string
  /** The bootstrap test key (an mpg_test_… key of the default account). */
  key: string
  /** Structured log lines (parsed NDJSON) written so far. */
  logs: Array<Record<string, unknown>>
  /** fetch against the gateway with the key (or `auth`) as Bearer token. */
  api(path: string, init?: RequestInit & { auth?: string | null; json?: unknown }): Promise<Response>
  /** Like api() with the admin token. */
  admin(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>
}

export interface TestGatewayOptions {
  env?: Record<string, string>
  /** Reuse a data dir (restart tests). */
  dataDir?: string
  /** Business time for the gateway and its emulator (a virtual clock moves both). */
  clock?: Clock
  /** A store opened by the test instead of the data dir's (to watch or hold its calls during start-up). */
  store?: Store
}

/** A real gateway on 127.0.0.1:0 with its own emulator and a fresh data dir (removed after the test file). */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = options.dataDir ?? tempDir('mpg-test-')
  const logs: Array<Record<string, unknown>> = []
  const gateway = await createGateway({
    env: {
      ...(await storeEnvFor(dataDir)),
      MPG_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      MPG_EMULATOR_CALLBACK_DELAY_MS: '30',
      MPG_RECONCILE_AFTER_S: '60',
      MPG_WEBHOOK_RETRY_DELAYS_MS: '50,100,200',
      ...options.env,
    },
    logger: createLogger({ json: true, write: (line) => logs.push(JSON.parse(line)) }),
    clock: options.clock,
    store: options.store,
  })
  const key = gateway.bootstrap?.key ?? ''
  // Every answer a test receives through api()/admin() is held to the OpenAPI document.
  const call = async (token: string | null, path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers)
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    }
    const response = await fetch(`${gateway.url}${path}`, { ...init, headers, body })
    await checkResponse(init.method ?? 'GET', path, response)
    return response
  }
  return Object.assign(gateway, {
    dataDir,
    key,
    logs,
    api: (path: string, init: RequestInit & { auth?: string | null; json?: unknown } = {}) =>
      call(init.auth === undefined ? key : init.auth, path, init),
    admin: (path: string, init: RequestInit & { json?: unknown } = {}) => call(gateway.adminToken, path, init),
  })
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * Polls `check` until it returns a truthy value or the deadline passes. The default deadline is
 * generous (it only bounds how long a failure takes to be reported): on a loaded 2-core machine
 * (CI, or the fast suite's parallel files with Chromium and PostgreSQL) what takes 100 ms idle can
 * take seconds. A test whose point is speed passes its own timeoutMs.
 */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 15_000, intervalMs = 20, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** A valid STK push body; override any field. */
export function stkBody(overrides: Record<string, unknown> = {}) {
  return { amount: 100, phone: '254712345678', reference: 'ORDER-1234', description: 'T-shirt', ...overrides }
}
