import type { Timer } from '../core/clock.js'
import type { GatewayContext } from '../core/context.js'
import type { DeliveryRecord, EventRecord } from '../store/records.js'
import { newId } from '../utils/ids.js'
import { isVirtualClock } from '../utils/virtual-clock.js'
import { attemptDelivery, leaseFor } from './delivery-attempt.js'

/** How long stop() lets attempts in flight finish before aborting them (they stay pending). */
const STOP_GRACE_MS = 2000
/** How often a worker on a shared store looks for due deliveries it was not told about. */
const POLL_MS = 1000
/**
 * How long an answered attempt waits to be recorded with the others answered meanwhile. Answers
 * come back one at a time (an endpoint takes a few attempts at once), each on its own turn of the
 * event loop, so recorded at once each made a journal write of its own when the journal was idle:
 * with webhooks on, ~1.7 more writes per payment (each an O_DSYNC write on a pool thread and two
 * thread wake-ups). Recorded together they share one write, or ride with the next one anyway.
 * Nothing waits for the record but the delivery's own retry (and stop(), which still waits for
 * it); a delivery cut off by a crash before its record is attempted again, as before.
 */
const RECORD_TOGETHER_MS = 5

export interface DeliveryWorker {
  /** Attempts the delivery at its next_attempt_at (now when due); a no-op unless pending. */
  schedule(delivery: DeliveryRecord): void
  /** Idempotent: stops scheduling, lets attempts in flight finish briefly, aborts the rest (still pending in the store). */
  stop(): Promise<void>
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * An endpoint's due deliveries, oldest first. Taken by moving `head`, not by `shift()`: a backlog
 * of more than ~16k ids is an array V8 keeps in its large-object space, where every `shift()`
 * moves the whole rest (3.8 µs at 20k ids, 7.6 at 40k, against 0.3 below 16k, measured here);
 * the full flow at saturation leaves 20–26k deliveries queued.
 */
interface Line {
  accountId: string
  ids: string[]
  head: number
}

function takeNext(line: Line): string {
  const id = line.ids[line.head++] as string
  // The part already taken is dropped once it is most of the array (amortised O(1) per id).
  if (line.head > 1024 && line.head * 2 > line.ids.length) {
    line.ids = line.ids.slice(line.head)
    line.head = 0
  }
  return id
}

/**
 * The persisted delivery queue. The store holds every pending delivery with its next_attempt_at;
 * this worker loads them at start, learns of new ones from the event bus, and keeps one timer per
 * delivery. Each attempt is recorded before the next is scheduled, so a restart resumes exactly
 * where the store says (at-least-once: an attempt cut off by a crash is made again).
 */
export function startDeliveryWorker(ctx: GatewayContext): DeliveryWorker {
  const timers = new Map<string, Timer>()
  /** The event of each delivery scheduled from the bus, until its first attempt starts (retries read it from the store). */
  const events = new Map<string, EventRecord>()
  const queued = new Set<string>()
  /** Resolvers of enqueue's promises, by delivery id. */
  const finished = new Map<string, (value: unknown) => void>()
  const settle = (id: string) => {
    finished.get(id)?.(undefined)
    finished.delete(id)
  }
  /** Due deliveries by endpoint, in the order endpoints get their turn. */
  const waiting = new Map<string, Line>()
  /** Attempts started and not yet recorded. */
  const running = new Map<string, Promise<unknown>>()
  /**
   * What the limits count: attempts whose receiver has not answered yet, in all, per endpoint and
   * per account. An attempt being recorded holds no slot (its receiver is done with it).
   */
  let sending = 0
  const runningPerEndpoint = new Map<string, number>()
  const runningPerAccount = new Map<string, number>()
  const limits = ctx.config.webhookConcurrency
  const bump = (counts: Map<string, number>, key: string, by: number) => {
    const n = (counts.get(key) ?? 0) + by
    if (n === 0) counts.delete(key)
    else counts.set(key, n)
  }
  const abort = new AbortController()
  const owner = newId('wrk')
  const leaseMs = leaseFor(ctx.config.webhookTimeoutMs)
  // Scheduling started by an event is work a virtual clock's advance waits for.
  const track = <T>(work: Promise<T>) => ctx.clock.track?.(work) ?? work
  const virtual = isVirtualClock(ctx.clock)
  // Deliveries are signed and POSTed on the gateway's sending thread (send-off-thread.ts) when it
  // has one; under a virtual clock (its advance waits for work on this event loop) and serverless
  // it has none, and they are sent on this event loop.
  const sender = ctx.sendingThread
  let stopped = false
  let stopping: Promise<void> | undefined
  /** The current recording window (machine clock only: a virtual clock records each attempt at once). */
  let recording: Promise<void> | undefined
  const recordTogether = (): Promise<void> =>
    (recording ??= new Promise((resolve) =>
      setTimeout(() => {
        recording = undefined
        resolve()
      }, RECORD_TOGETHER_MS),
    ))

  /** `event`: the delivery's event, when the bus just brought it (its first attempt need not read it back). */
  const schedule = (delivery: DeliveryRecord, event?: EventRecord) => {
    if (stopped || delivery.status !== 'pending' || running.has(delivery.id) || queued.has(delivery.id)) return
    timers.get(delivery.id)?.cancel()
    if (event) events.set(delivery.id, event)
    const now = ctx.clock.now()
    const due = delivery.next_attempt_at ? Date.parse(delivery.next_attempt_at) : now
    // Due now on the machine's clock: queued at once, without a timer (a virtual clock keeps it for
    // its next advance, which waits for what the timer's task returns).
    if (due <= now && !virtual) {
      void enqueue(delivery)
      return
    }
    const timer = ctx.clock.setTimer(() => {
      timers.delete(delivery.id)
      // What the attempt leads to is returned, so a virtual clock's advance can wait for it.
      return enqueue(delivery)
    }, Math.max(0, due - now), 'webhook.attempt')
    timers.set(delivery.id, timer)
  }

  /** Resolves when the delivery's attempt (started now or once a slot frees) has been recorded. */
  const enqueue = (delivery: DeliveryRecord): Promise<unknown> => {
    if (stopped) return Promise.resolve()
    // Only a virtual clock waits for the attempt; on the machine's clock nothing does.
    const done = virtual ? new Promise<unknown>((resolve) => finished.set(delivery.id, resolve)) : undefined
    queued.add(delivery.id)
    const line = waiting.get(delivery.endpoint_id)
    if (line) line.ids.push(delivery.id)
    else waiting.set(delivery.endpoint_id, { accountId: delivery.account_id, ids: [delivery.id], head: 0 })
    pump()
    return done ?? Promise.resolve()
  }

  /**
   * Starts due deliveries while there is room: in all, for their account and for their endpoint.
   * Endpoints take turns, so a slow or dead receiver holds at most its endpoint's share and its
   * account's share of the slots, and other accounts' webhooks keep flowing.
   */
  const pump = () => {
    // One pass over the endpoints waiting now (a snapshot: those sent to the back are not revisited).
    for (const [endpointId, line] of [...waiting]) {
      if (stopped || sending >= limits.total) return
      let started = false
      while (
        line.head < line.ids.length &&
        sending < limits.total &&
        (runningPerEndpoint.get(endpointId) ?? 0) < limits.perEndpoint &&
        (runningPerAccount.get(line.accountId) ?? 0) < limits.perAccount
      ) {
        start(takeNext(line), endpointId, line.accountId)
        started = true
      }
      if (line.head === line.ids.length) waiting.delete(endpointId)
      else if (started) {
        // Back of the line: the next pump starts with another endpoint.
        waiting.delete(endpointId)
        waiting.set(endpointId, line)
      }
    }
  }

  const start = (id: string, endpointId: string, accountId: string) => {
    queued.delete(id)
    if (running.has(id)) return settle(id)
    sending++
    bump(runningPerEndpoint, endpointId, 1)
    bump(runningPerAccount, accountId, 1)
    let holding = true
    /** Frees the attempt's slots, once: when its receiver has answered, or when it ends without sending. */
    const free = () => {
      if (!holding) return
      holding = false
      sending--
      bump(runningPerEndpoint, endpointId, -1)
      bump(runningPerAccount, accountId, -1)
    }
    // The receiver answered: the next delivery may start while this attempt is recorded.
    const sent = () => {
      free()
      pump()
    }
    const work = attempt(id, endpointId, sent)
      .catch((error) => {
        ctx.log.error('webhook.attempt_failed', { delivery_id: id, message: message(error) })
        return undefined
      })
      .then((again) => {
        running.delete(id)
        free()
        if (again) schedule(again)
        settle(id)
        pump()
      })
    running.set(id, work)
  }

  /** One attempt; returns the delivery when it is to be scheduled again. */
  const attempt = async (id: string, endpointId: string, onSent: () => void): Promise<DeliveryRecord | undefined> => {
    const event = events.get(id)
    events.delete(id)
    if (stopped) return
    const result = await attemptDelivery(ctx, id, { owner, leaseMs, signal: abort.signal, event, endpointId, onSent, beforeRecording: virtual ? undefined : recordTogether, sender })
    return result.outcome === 'not_due' || result.outcome === 'retrying' ? result.delivery : undefined
  }

  const onEvent = (event: EventRecord) => {
    void track(ctx.store
      .listDeliveriesForEvent(event.id)
      .then((deliveries) => deliveries.forEach((delivery) => schedule(delivery, event)))
      .catch((error) => ctx.log.error('webhook.schedule_failed', { event_id: event.id, message: message(error) })))
  }
  // Subscribe before loading the queue, so a delivery created in between is not missed (schedule dedupes).
  const unsubscribe = ctx.bus.subscribe(onEvent)
  const loading = ctx.store
    .listPendingDeliveries()
    .then((pending) => pending.forEach((delivery) => schedule(delivery)))
    .catch((error) => ctx.log.error('webhook.load_failed', { message: message(error) }))

  // A store shared with other processes: deliveries they stored, or left leased when they died,
  // are found by polling the store for due ones.
  const poller = ctx.store.shared ? setInterval(() => void pollDue(), POLL_MS) : undefined
  poller?.unref()
  const pollDue = async () => {
    if (stopped) return
    const room = limits.total - running.size - queued.size
    if (room <= 0) return
    try {
      for (const d of await ctx.store.claimDueDeliveries(owner, leaseMs, room)) schedule(d)
    } catch (error) {
      ctx.log.error('webhook.poll_failed', { message: message(error) })
    }
  }

  const worker: DeliveryWorker = {
    schedule,
    stop() {
      stopping ??= (async () => {
        stopped = true
        clearInterval(poller)
        unsubscribe()
        for (const timer of timers.values()) timer.cancel()
        timers.clear()
        events.clear()
        queued.clear()
        for (const resolve of finished.values()) resolve(undefined)
        finished.clear()
        waiting.clear()
        await loading
        if (running.size > 0) {
          let grace: NodeJS.Timeout | undefined
          await Promise.race([
            Promise.allSettled(running.values()),
            new Promise((resolve) => {
              grace = setTimeout(resolve, STOP_GRACE_MS)
            }),
          ])
          clearTimeout(grace)
          abort.abort()
          await Promise.allSettled(running.values())
        }
        if (ctx.deliveryWorker === worker) ctx.deliveryWorker = undefined
      })()
      return stopping
    },
  }
  ctx.deliveryWorker = worker
  return worker
}
