import { isoIn, isoNow } from '../core/clock.js'
import type { GatewayContext } from '../core/context.js'
import type { DeliveryAttempt, DeliveryRecord, EventRecord, Mode, WebhookEndpointRecord } from '../store/records.js'
import { RecentValues } from '../utils/recent-values.js'
import { abandonedAt, logAbandoned } from './abandon.js'
import { serializeEvent } from './event-body.js'
import { outcomeCanChangeHealth, recordEndpointOutcome } from './endpoint-health.js'
import { sealKeyFor, unseal } from './seal.js'
import { postDelivery, type DeliveryPost } from './post-delivery.js'
import type { SendingThread, ThreadAnswer } from './send-off-thread.js'
import { checkWebhookUrl, type UrlCheck } from './url-policy.js'

/** First bytes of a receiver's answer kept with each attempt. */
export const RESPONSE_BODY_BYTES = 1024

/** A delivery lease outlasts any attempt (the timeout, plus a margin for recording it). */
export function leaseFor(webhookTimeoutMs: number): number {
  return webhookTimeoutMs * 2 + 30_000
}

/** The delay before the next attempt, after `inRound` attempts of this round; null when its retries are used up. */
export function nextRetryDelay(inRound: number, delaysMs: number[]): number | null {
  return inRound >= 1 && inRound <= delaysMs.length ? delaysMs[inRound - 1] : null
}

export interface AttemptOptions {
  /** Who leases the delivery while attempting it (a worker, or one cron round). */
  owner: string
  leaseMs: number
  /** Aborts an attempt in flight (stopping): the delivery is given back, still pending. */
  signal: AbortSignal
  /**
   * The delivery's event when the caller holds it already (the worker keeps the events it was just
   * told about): spares reading it back from the store, where it is kept as text and parsed again.
   */
  event?: EventRecord
  /**
   * The delivery's endpoint when the caller knows it (the worker queues deliveries by endpoint):
   * read beside the lease instead of after it, so the attempt waits for one read, not two.
   */
  endpointId?: string
  /**
   * Called once the receiver has answered (or the POST failed), before the attempt is recorded: the
   * worker's limits count requests to receivers, so the next delivery to the endpoint may start
   * while this one's record is written.
   */
  onSent?: () => void
  /**
   * Awaited once the receiver has answered, before the attempt is recorded: the worker records
   * the attempts answered within a few milliseconds of one another together (see delivery-worker.ts).
   */
  beforeRecording?: () => Promise<void>
  /** Signs and POSTs on the gateway's sending thread (a long-running gateway's) instead of this event loop. */
  sender?: SendingThread
}

/** How one attempt ended; `delivery` is the stored record after it, where there is one. */
export type AttemptOutcome =
  | { outcome: 'succeeded' | 'retrying' | 'failed'; delivery: DeliveryRecord }
  /** Its next attempt is later: nothing was sent. */
  | { outcome: 'not_due'; delivery: DeliveryRecord }
  /** Gone, no longer pending, or leased by another worker: nothing was sent. */
  | { outcome: 'skipped' }
  /** Its endpoint was deleted or disabled (or the event is gone): failed without an attempt. */
  | { outcome: 'abandoned' }
  /** Stopped mid-attempt: left pending and free for another worker. */
  | { outcome: 'released' }
  /** The lease ran out and another worker took the delivery (it records its own attempt). */
  | { outcome: 'lease_lost' }

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One attempt of one delivery, leased to `owner` so that another process sharing the store skips
 * it meanwhile (and takes it again only if this one dies). The attempt is recorded, with the next
 * attempt's time or the final state, before this resolves. The delivery worker of `mpg serve` /
 * `mpg worker` and a cron round both deliver through here.
 */
export async function attemptDelivery(ctx: GatewayContext, id: string, options: AttemptOptions): Promise<AttemptOutcome> {
  const { owner } = options
  // One read: the lease hands back the delivery it leased (pending, not leased by another). The
  // rare one not due yet by this process's clock is given back unattempted.
  const endpointRead = options.endpointId === undefined ? undefined : ctx.store.getWebhookEndpoint(options.endpointId)
  // Settled here too: a read nobody awaits (the delivery was skipped) must not reject unhandled.
  endpointRead?.catch(() => undefined)
  const delivery = await ctx.store.claimDelivery(id, owner, options.leaseMs)
  if (!delivery) return { outcome: 'skipped' }
  if (delivery.next_attempt_at && Date.parse(delivery.next_attempt_at) > ctx.clock.now() + 5) {
    await ctx.store.releaseDelivery(id, owner)
    return { outcome: 'not_due', delivery }
  }
  const endpointOf = delivery.endpoint_id === options.endpointId && endpointRead ? endpointRead : ctx.store.getWebhookEndpoint(delivery.endpoint_id)
  const given = options.event?.id === delivery.event_id ? options.event : undefined
  // The event the worker was just told about is not read back (nor waited for alongside the endpoint).
  const [event, endpoint] = given ? [given, await endpointOf] : await Promise.all([ctx.store.getEvent(delivery.event_id), endpointOf])
  if (!event || !endpoint || endpoint.deleted_at || endpoint.disabled_at) {
    await ctx.store.completeDelivery(id, owner, abandonedAt(isoNow(ctx.clock)))
    ctx.log.info('webhook.abandoned', { delivery_id: id, reason: abandonReason(endpoint) ?? 'event or endpoint missing' })
    return { outcome: 'abandoned' }
  }
  let result: DeliveryAttempt
  try {
    const secret = endpointSecret(ctx, endpoint)
    result = await send(ctx, delivery, event, endpoint.url, secret, options.signal, options.sender)
  } catch (error) {
    if (options.signal.aborted) {
      // Stopping: left pending (and free for another process), attempted again after the restart.
      await ctx.store.releaseDelivery(id, owner)
      return { outcome: 'released' }
    }
    result = attemptOf(isoNow(ctx.clock), null, 0, `not sent: ${message(error)}`, null)
  }
  options.onSent?.()
  if (options.beforeRecording) await options.beforeRecording()
  const ok = result.status_code !== null && result.status_code >= 200 && result.status_code < 300
  const updated = await ctx.store.completeDelivery(id, owner, (d) => {
    if (d.status !== 'pending') return undefined
    const attempts = d.attempts.concat(result)
    // One copy of the record, every field it changes given at once (each is one it has already).
    if (ok) return { ...d, status: 'succeeded', attempts, next_attempt_at: null, updated_at: isoNow(ctx.clock) }
    const delay = nextRetryDelay(attempts.length - (d.round_start ?? 0), ctx.config.webhookRetryDelaysMs)
    if (delay === null) return { ...d, status: 'failed', attempts, next_attempt_at: null, updated_at: isoNow(ctx.clock) }
    return { ...d, attempts, next_attempt_at: isoIn(ctx.clock, delay), updated_at: isoNow(ctx.clock) }
  })
  ctx.log.info('webhook.attempt', {
    delivery_id: id,
    endpoint_id: endpoint.id,
    // Not `event`: that is the log line's own name (webhook.attempt).
    event_type: delivery.event,
    status_code: result.status_code,
    duration_ms: result.duration_ms,
    outcome: updated?.status ?? 'lease_lost',
  })
  if (!updated) return { outcome: 'lease_lost' }
  // The usual case, a success at a healthy endpoint, costs no async call and promise per delivery.
  if (outcomeCanChangeHealth(endpoint, ok)) {
    await recordEndpointOutcome(ctx, endpoint, ok, result.at).catch((error) =>
      ctx.log.error('webhook.endpoint_health_failed', { endpoint_id: endpoint.id, message: message(error) }),
    )
  }
  if (updated.status === 'pending') {
    // Disabling (or deleting) the endpoint fails its pending deliveries but those whose attempt is
    // in flight, as this one was: failed now that its attempt is recorded, not at its next retry.
    const failed = await failIfEndpointGone(ctx, id, endpoint.id)
    if (failed) return { outcome: 'failed', delivery: failed }
  }
  return { outcome: updated.status === 'pending' ? 'retrying' : updated.status === 'succeeded' ? 'succeeded' : 'failed', delivery: updated }
}

const abandonReason = (endpoint: WebhookEndpointRecord | undefined) =>
  endpoint?.deleted_at ? 'endpoint deleted' : endpoint?.disabled_at ? 'endpoint disabled' : undefined

/** The delivery, failed, when its endpoint is now disabled or deleted (undefined while it is live). */
async function failIfEndpointGone(ctx: GatewayContext, id: string, endpointId: string): Promise<DeliveryRecord | undefined> {
  const reason = abandonReason(await ctx.store.getWebhookEndpoint(endpointId))
  if (!reason) return undefined
  const abandon = abandonedAt(isoNow(ctx.clock))
  let changed = false
  const failed = await ctx.store.updateDelivery(id, (d) => {
    const next = abandon(d)
    changed = next !== undefined
    return next
  })
  if (failed?.status !== 'failed') return undefined
  // Logged once: the disable this attempt caused may have failed it already (and logged it).
  if (changed) logAbandoned(ctx, [failed], reason)
  return failed
}

/** Unsealed endpoint secrets of each gateway's settings, by endpoint: a secret is unsealed once, not per attempt. */
const secrets = new WeakMap<object, Map<string, { sealed: string; secret: string }>>()

/** The endpoint's signing secret; unsealed again only when its sealed value changed. */
function endpointSecret(ctx: GatewayContext, endpoint: WebhookEndpointRecord): string {
  let known = secrets.get(ctx.config)
  if (!known) secrets.set(ctx.config, (known = new Map()))
  const hit = known.get(endpoint.id)
  if (hit?.sealed === endpoint.sealed_secret) return hit.secret
  const secret = unseal(sealKeyFor(ctx.config), endpoint.sealed_secret, endpoint.id)
  known.set(endpoint.id, { sealed: endpoint.sealed_secret, secret })
  return secret
}

/**
 * URLs already checked where the check needs no DNS (private addresses allowed): its answer then
 * depends on the URL and the mode alone, so it is not parsed again for every attempt.
 */
const checkedUrls = new RecentValues<string, UrlCheck>(1024)

function checkUrl(url: string, mode: Mode, allowPrivate: boolean): UrlCheck | Promise<UrlCheck> {
  if (!allowPrivate) return checkWebhookUrl(url, mode, { allowPrivate })
  const key = `${mode} ${url}`
  const known = checkedUrls.get(key)
  if (known) return known
  return checkWebhookUrl(url, mode, { allowPrivate }).then((check) => checkedUrls.set(key, check))
}

/** An attempt's record; every field given, so all attempts share one shape. */
function attemptOf(at: string, statusCode: number | null, durationMs: number, error: string | null, responseBody: string | null): DeliveryAttempt {
  return { at, status_code: statusCode, error, response_body: responseBody, duration_ms: durationMs }
}

async function send(ctx: GatewayContext, delivery: DeliveryRecord, event: EventRecord, url: string, secret: string, signal: AbortSignal, sender?: SendingThread): Promise<DeliveryAttempt> {
  const at = isoNow(ctx.clock)
  const allowPrivate = ctx.config.allowPrivateWebhookUrls
  // Checked again at delivery (the policy or DNS may have changed since the endpoint was created),
  // and once more at connect time through allowAddress, on the very address connected to.
  const check = await checkUrl(url, delivery.mode, allowPrivate)
  if (!check.ok) return attemptOf(at, null, 0, `not sent: ${check.error.toLowerCase()}`, null)
  const post: DeliveryPost = {
    url,
    body: serializeEvent(event),
    secret,
    eventId: event.id,
    eventType: event.event,
    deliveryId: delivery.id,
    // The receiver checks the signature's timestamp against its own clock: always the machine's.
    signedAt: Math.floor(Date.now() / 1000),
    timeoutMs: ctx.config.webhookTimeoutMs,
    maxBodyBytes: RESPONSE_BODY_BYTES,
    publicOnly: !allowPrivate,
  }
  let answer: ThreadAnswer | undefined
  if (sender?.usable()) {
    try {
      answer = await sender.send(post, signal)
    } catch (error) {
      // Stopping: the caller gives the delivery back. A thread that died: sent from here instead.
      if (signal.aborted || sender.alive) throw error
    }
  }
  if (!answer) {
    // Timed as the thread's answers are: from the hand-over to the answer back.
    const handed = performance.now()
    const reply = await postDelivery(post, signal)
    answer = { ...reply, durationMs: performance.now() - handed }
  }
  const durationMs = Math.round(answer.durationMs)
  if ('error' in answer) return attemptOf(at, null, durationMs, answer.error, null)
  const redirect = answer.location === null ? null : `redirect not followed${answer.location ? ` (Location: ${answer.location.slice(0, 200)})` : ''}`
  // A redirect's body is not the receiver's answer (and may be what it points at): not kept.
  return attemptOf(at, answer.status, durationMs, redirect, redirect ? null : answer.body)
}
