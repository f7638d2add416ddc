import { randomBytes } from 'node:crypto'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { createLogger } from '../../src/core/logger.js'
import { createFetchHandler } from '../../src/gateway/fetch-handler.js'
import { createGateway } from '../../src/gateway/create-gateway.js'
import { checkResponse } from '../helpers/openapi-check.js'
import { freshDatabase } from '../helpers/postgres.js'
import { tempDir } from '../helpers/temp-dir.js'
import { startRelay } from './relay.js'

/** One way of deploying the gateway, driven with `Request` objects. */
export interface Target {
  name: string
  /** Whether background work runs inside the deployment (mpg serve) or only when ticked/worked (fetch handler). */
  backgroundInProcess: boolean
  /** The settings the deployment runs with (the database, secrets, Daraja). */
  env: Record<string, string>
  emulator: RunningEmulator
  /** Sends one request to the deployment; every answer is held to the OpenAPI document. */
  call: Call
  /** Another instance of the same deployment on the same database (another warm function, another `mpg serve`). */
  addInstance(): Promise<{ call: Call }>
  close(): Promise<void>
}

export type Call = (path: string, init?: RequestInit & { auth?: string | null; json?: unknown }) => Promise<Response>

/** Requests built the way a client sends them, answers checked against the OpenAPI document. */
export function caller(origin: string, send: (request: Request) => Promise<Response>): Call {
  return async (path, init = {}) => {
    const headers = new Headers(init.headers)
    if (init.auth) headers.set('authorization', `Bearer ${init.auth}`)
    let body = init.body
    if (init.json !== undefined) {
      body = JSON.stringify(init.json)
      headers.set('content-type', 'application/json')
    }
    const method = init.method ?? 'GET'
    const response = await send(new Request(`${origin}${path}`, { ...init, method, headers, body }))
    await checkResponse(method, path, response)
    return response
  }
}

export type TargetKind = 'fetch handler' | 'mpg serve'

/** A fresh database, an emulator on loopback, and the gateway deployed as `kind` on them. */
export async function deployTarget(kind: TargetKind, extraEnv: Record<string, string> = {}): Promise<Target> {
  const db = await freshDatabase()
  const emulator = await startEmulator({ port: 0, callbackDelayMs: 30 })
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    MPG_SEAL_KEY: randomBytes(32).toString('base64'),
    MPG_ADMIN_TOKEN: `mpg_admin_${randomBytes(20).toString('hex')}`,
    MPG_CRON_SECRET: randomBytes(24).toString('hex'),
    DARAJA_ENV: 'emulator',
    DARAJA_BASE_URL: emulator.url,
    MPG_DATA_DIR: tempDir('mpg-deploy-'),
    MPG_WEBHOOK_RETRY_DELAYS_MS: '50,100,200',
    MPG_RECONCILE_AFTER_S: '60',
    ...extraEnv,
  }
  const logger = createLogger({ json: true, silent: true })
  const closers: Array<() => Promise<void>> = []
  const instance = async (origin?: string) => {
    if (kind === 'fetch handler') {
      const handler = createFetchHandler({ env, logger })
      closers.push(() => handler.close())
      return { origin: origin!, send: handler }
    }
    const gateway = await createGateway({ env: { ...env, PORT: '0', HOST: '127.0.0.1' }, logger })
    closers.push(() => gateway.close())
    return { origin: gateway.url, send: (request: Request) => fetch(request) }
  }
  let first: { origin: string; send: (request: Request) => Promise<Response> }
  if (kind === 'fetch handler') {
    // Daraja's callbacks reach the handler the way a platform would bring them: as Requests.
    const relay = await startRelay((request) => first.send(request))
    closers.push(() => relay.close())
    env.PUBLIC_SITE_URL = relay.url
    first = await instance(relay.url)
  } else {
    first = await instance()
  }
  return {
    name: kind,
    backgroundInProcess: kind === 'mpg serve',
    env,
    emulator,
    call: caller(first.origin, first.send),
    async addInstance() {
      const another = await instance(first.origin)
      return { call: caller(another.origin, another.send) }
    },
    async close() {
      for (const close of closers.reverse()) await close()
      await emulator.close()
      await db.drop()
    },
  }
}
