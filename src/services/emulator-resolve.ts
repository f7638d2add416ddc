import { z } from 'zod'
import { MpgError } from '../errors.js'
import { NetworkError, parseJsonBody, sendRequest } from '../http/request.js'
import { maskCallbackToken } from '../utils/callback-paths.js'

export const DEFAULT_EMULATOR_URL = 'http://127.0.0.1:8989'

export const resolvedTransactionSchema = z.object({
  checkout_request_id: z.string(),
  merchant_request_id: z.string(),
  phone: z.string(),
  amount: z.number(),
  callback_url: z.string(),
  status: z.enum(['pending', 'held', 'completed']),
  outcome: z.string(),
  result_code: z.number().nullable(),
  result_desc: z.string().nullable(),
  receipt: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
})
export type ResolvedTransaction = z.infer<typeof resolvedTransactionSchema>

/**
 * Where the emulator is: --emulator-url / MPG_EMULATOR_URL; else the one the gateway runs (its
 * `/health` reports it in emulator mode, on a random port); else a standalone `mpg emulator start`.
 */
export async function locateEmulator(explicit: string | undefined, gatewayUrl: string): Promise<string> {
  if (explicit) return explicit
  try {
    const { GatewayClient } = await import('../client/gateway-client.js')
    const health = await new GatewayClient({ baseUrl: gatewayUrl, timeoutMs: 2000 }).health()
    if (health.emulator_url) return health.emulator_url
  } catch {
    // No gateway there (or not on an emulator): try the standalone emulator's default port.
  }
  return DEFAULT_EMULATOR_URL
}

export interface ResolveInput {
  emulatorUrl: string
  checkoutRequestId: string
  resultCode: number
  resultDesc?: string
}

/**
 * POSTs to the emulator's control API (`/__emulator/<path>`): the one way the CLI talks to it.
 * A URL that is not http(s) is a usage error; no answer is `unreachable`.
 */
export async function postToEmulator(emulatorUrl: string, path: string, json: unknown, timeoutMs = 5000): Promise<{ base: URL; status: number; text: string; body: ControlAnswer | undefined }> {
  let base: URL
  try {
    base = new URL(emulatorUrl)
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http')
  } catch {
    throw new MpgError('usage', `The emulator URL "${emulatorUrl}" is not an http(s) URL.`, {
      suggestion: `Pass --emulator-url like ${DEFAULT_EMULATOR_URL}.`,
    })
  }
  const url = new URL(`__emulator/${path}`, base.href.endsWith('/') ? base : `${base.href}/`)
  let res
  try {
    res = await sendRequest({ method: 'POST', url: url.href, json, timeoutMs })
  } catch (error) {
    if (error instanceof NetworkError) {
      throw new MpgError('unreachable', `No emulator answers at ${base.origin} (${error.message}).`, {
        suggestion: 'Start it with `mpg emulator start`, or point --emulator-url (or MPG_EMULATOR_URL) at the running one.',
        cause: error,
      })
    }
    throw error
  }
  return { base, status: res.status, text: res.body, body: parseJsonBody(res.body) as ControlAnswer | undefined }
}

/** The control API's answer: the payload, or `{ error, hint }`. */
export type ControlAnswer = { error?: string; hint?: string } & Record<string, unknown>

/** Finishes a held STK prompt through the emulator's control API. */
export async function resolveHeldPrompt(input: ResolveInput): Promise<ResolvedTransaction> {
  const { base, status, text, body } = await postToEmulator(input.emulatorUrl, `stk/${encodeURIComponent(input.checkoutRequestId)}/resolve`, {
    result_code: input.resultCode,
    ...(input.resultDesc ? { result_desc: input.resultDesc } : {}),
  })
  const res = { status, body: text }
  if (res.status === 200) {
    const parsed = resolvedTransactionSchema.safeParse(body?.transaction)
    // The callback URL's token settles the payment: shown masked, as in the gateway's access log.
    if (parsed.success) return { ...parsed.data, callback_url: maskCallbackToken(parsed.data.callback_url) }
  }
  const message = body?.error ?? `the emulator answered HTTP ${res.status}`
  if (res.status === 404 && body?.error) {
    throw new MpgError('not_found', `The emulator has ${message}.`, {
      suggestion: 'Check the CheckoutRequestID printed by the STK push; the emulator forgets transactions on reset and restart.',
    })
  }
  if (res.status === 409) throw new MpgError('conflict', `Cannot resolve: ${message}.`, { suggestion: body?.hint ?? 'Only held prompts can be resolved.' })
  if (res.status === 400) throw new MpgError('usage', `The emulator refused the request: ${message}.`, { suggestion: body?.hint })
  throw new MpgError('upstream', `Unexpected answer from ${base.origin}: HTTP ${res.status}.`, {
    suggestion: 'Is --emulator-url pointing at `mpg emulator start`, not at the gateway?',
    detail: res.body.slice(0, 500),
  })
}
