import { MpgError } from '../errors.js'
import { NetworkError, sendRequest } from '../http/request.js'
import type { EventBody } from '../webhooks/event-body.js'
import { PAYMENT_AND_PAYOUT_EVENTS, sampleEvent } from '../webhooks/sample-events.js'
import { signatureHeaders, generateWebhookSecret } from '../webhooks/signature.js'

/**
 * `mpg webhooks test URL`: a conformance run against a merchant's own receiver. Each case sends one
 * crafted delivery and says what a correct receiver must answer; the mistakes it looks for are the
 * ones that lose or double money in real integrations (a forged, re-serialised, replayed or
 * duplicated delivery accepted; an acknowledgement so slow the gateway retries).
 */

/** A receiver may answer this header (`true` / `false`) to say whether it processed the delivery. */
export const PROCESSED_HEADER = 'x-webhook-processed'
/** Acknowledge within this, or the gateway counts the attempt as failed and retries. */
export const ACK_BUDGET_MS = 10_000
/** How old the replayed delivery's webhook-timestamp is. */
const STALE_BY_S = 60 * 60

export type CaseOutcome = 'pass' | 'fail' | 'unknown'

export interface ConformanceCase {
  name: string
  expected: string
  outcome: CaseOutcome
  /** What the receiver answered (status, or the network error), and why the case failed if it did. */
  detail: string
  status: number | null
  duration_ms: number
}

export interface ConformanceReport {
  url: string
  passed: number
  failed: number
  unknown: number
  cases: ConformanceCase[]
}

interface Answer {
  status: number | null
  processed: boolean | undefined
  durationMs: number
  error?: string
}

async function deliver(url: string, body: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Answer> {
  const started = Date.now()
  try {
    const res = await sendRequest({ method: 'POST', url, body, headers: { 'content-type': 'application/json', 'user-agent': 'mpg-webhooks-test', ...headers }, timeoutMs: ACK_BUDGET_MS, maxBodyBytes: 1024, signal })
    const flag = res.headers[PROCESSED_HEADER]?.trim().toLowerCase()
    return { status: res.status, processed: flag === 'true' ? true : flag === 'false' ? false : undefined, durationMs: Math.round(res.durationMs) }
  } catch (error) {
    if (error instanceof NetworkError) {
      return { status: null, processed: undefined, durationMs: Date.now() - started, error: error.timedOut ? `no answer within ${ACK_BUDGET_MS / 1000} s` : `${error.code}: ${error.message}` }
    }
    throw error
  }
}

const ok = (a: Answer) => a.status !== null && a.status >= 200 && a.status < 300
const refused = (a: Answer) => a.status !== null && a.status >= 400 && a.status < 500
const said = (a: Answer) => (a.status === null ? (a.error ?? 'no answer') : `answered ${a.status} in ${a.durationMs} ms`)

function signed(secret: string, event: EventBody, options: { rawBody?: string; timestamp?: number } = {}) {
  const rawBody = options.rawBody ?? JSON.stringify(event)
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  return { rawBody, headers: signatureHeaders(secret, { id: event.id, timestamp, rawBody: JSON.stringify(event), event: event.event }) }
}

function row(name: string, expected: string, answer: Answer, pass: boolean, why: string): ConformanceCase {
  return { name, expected, outcome: pass ? 'pass' : 'fail', detail: pass ? said(answer) : `${said(answer)}: ${why}`, status: answer.status, duration_ms: answer.durationMs }
}

export async function runWebhookConformance(input: { url: string; secret: string; signal?: AbortSignal }): Promise<ConformanceReport> {
  let target: URL
  try {
    target = new URL(input.url)
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http')
  } catch {
    throw new MpgError('usage', `"${input.url}" is not an http(s) URL`, { suggestion: 'Pass your receiver\'s URL, e.g. mpg webhooks test http://localhost:3000/webhooks --secret whsec_…' })
  }
  if (!input.secret) throw new MpgError('usage', 'No secret', { suggestion: 'Pass --secret with the whsec_… secret your receiver verifies with' })
  const url = target.toString()
  const { secret, signal } = input
  const cases: ConformanceCase[] = []
  const send = (s: { rawBody: string; headers: Record<string, string> }) => deliver(url, s.rawBody, s.headers, signal)

  // 1. A genuine delivery.
  const valid = await send(signed(secret, sampleEvent('payment.success')))
  cases.push(row('valid delivery', '2xx', valid, ok(valid), 'a correctly signed delivery must be acknowledged with 2xx, or the gateway retries it and finally marks it failed'))

  // 2. A forged one: signed with a secret that is not the endpoint's.
  const forged = await send(signed(generateWebhookSecret(), sampleEvent('payment.success')))
  cases.push(row('bad signature', '4xx', forged, refused(forged), 'a delivery signed with another secret was not refused: anyone who knows your URL can fake a payment'))

  // 3. The same JSON re-serialised, with the original body's signatures.
  const event3 = sampleEvent('payment.success')
  const reserialised = await send(signed(secret, event3, { rawBody: JSON.stringify(event3, null, 2) }))
  cases.push(
    row('re-serialised body', '4xx', reserialised, refused(reserialised), 'a body that is not the signed bytes was accepted: the receiver verifies something else than the raw body (parsed JSON printed again?)'),
  )

  // 4. A replay: a genuine delivery whose Standard Webhooks timestamp is an hour old.
  const event4 = sampleEvent('payment.success')
  const staleTs = Math.floor(Date.now() / 1000) - STALE_BY_S
  const stale = await send(signed(secret, event4, { timestamp: staleTs }))
  cases.push(
    row('stale timestamp', '4xx', stale, refused(stale), `a delivery whose webhook-timestamp is ${STALE_BY_S / 60} min old was accepted: verify webhook-signature and refuse timestamps more than 5 min away, or a captured delivery can be replayed`),
  )

  // 5. The same webhook-id twice: acknowledged both times, processed once.
  const event5 = sampleEvent('payment.success')
  const first = await send(signed(secret, event5))
  const second = await send(signed(secret, event5))
  const dupName = 'duplicate webhook-id'
  const dupExpected = `2xx twice, processed once (${PROCESSED_HEADER})`
  if (!ok(first) || !ok(second)) {
    cases.push(row(dupName, dupExpected, ok(first) ? second : first, false, 'a repeated delivery must still be acknowledged with 2xx, or the gateway keeps retrying it'))
  } else if (first.processed === undefined || second.processed === undefined) {
    cases.push({ name: dupName, expected: dupExpected, outcome: 'unknown', detail: `both acknowledged; cannot tell whether the second was processed again: answer ${PROCESSED_HEADER}: true|false to let this case check`, status: second.status, duration_ms: second.durationMs })
  } else {
    const pass = first.processed && !second.processed
    cases.push(row(dupName, dupExpected, second, pass, pass ? '' : second.processed ? 'the same event (same webhook-id) was processed twice: deduplicate on the event id, or a retry ships an order twice' : 'the first delivery was not processed'))
  }

  // 6. Every event type, with real-shaped bodies.
  for (const type of PAYMENT_AND_PAYOUT_EVENTS) {
    const answer = await send(signed(secret, sampleEvent(type)))
    cases.push(row(`event ${type}`, '2xx', answer, ok(answer), `a genuine ${type} delivery was not acknowledged`))
  }

  // 7. The acknowledgement budget, over every answer above.
  const slowest = cases.reduce((max, c) => Math.max(max, c.duration_ms), 0)
  const timedOut = cases.some((c) => c.status === null && c.detail.includes('no answer within'))
  cases.push({
    name: 'acknowledges in time',
    expected: `every answer within ${ACK_BUDGET_MS / 1000} s`,
    outcome: timedOut || slowest > ACK_BUDGET_MS ? 'fail' : 'pass',
    detail: timedOut || slowest > ACK_BUDGET_MS ? `slowest answer ${slowest} ms: acknowledge first (2xx), then process in the background` : `slowest answer ${slowest} ms`,
    status: null,
    duration_ms: slowest,
  })

  const count = (o: CaseOutcome) => cases.filter((c) => c.outcome === o).length
  return { url, passed: count('pass'), failed: count('fail'), unknown: count('unknown'), cases }
}
