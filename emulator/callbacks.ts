import { systemClock, type Clock, type Timer } from '../src/utils/clock.js'
import { isVirtualClock } from '../src/utils/virtual-clock.js'
import { sendRequest, type OutboundResponse } from '../src/http/request.js'
import { isoTime } from '../src/utils/iso-time.js'
import { BoundedList } from './bounded.js'
import { toWireJson } from './wire-json.js'

export type CallbackKind = 'stk' | 'b2c_result' | 'transaction_status_result' | 'account_balance_result' | 'reversal_result' | 'c2b_validation' | 'c2b_confirmation'

/** One callback POST (or one that a fault dropped), with the answer it got. */
export interface CallbackEntry {
  id: number
  /** ISO time the POST started. */
  at: string
  kind: CallbackKind
  url: string
  /** CheckoutRequestID (STK), ConversationID (B2C) or the query's own ConversationID (Transaction Status). */
  transaction_id: string
  /** 1 for the first delivery, 2 for a duplicate. */
  copy: number
  /** True when a `callback: drop` fault swallowed it (nothing was sent). */
  dropped: boolean
  request: { headers: Record<string, string>; body: unknown }
  /** The receiver's answer; null when none came (network error, dropped). */
  response: { status: number; body: string } | null
  /** Network error text (refused, timeout…), else null. */
  error: string | null
  duration_ms: number
}

export interface OutgoingCallback {
  kind: CallbackKind
  url: string
  transactionId: string
  headers: Record<string, string>
  body: unknown
  /** How many identical POSTs to send, one after the other. */
  copies: number
  /** Record it as dropped instead of sending it. */
  drop: boolean
  /** Deadline of this POST; default the emulator's callback timeout. */
  timeoutMs?: number
}

/** A task waiting for its time on the emulator's clock. */
interface ScheduledTask {
  /** When it is due on the emulator's clock (which `advanceClock` moves). */
  dueAt: number
  /** When its timer fires on the timer clock. */
  runAt: number
  task: () => void
  /** Its own timer, on a virtual clock (see CallbackSender.schedule). */
  timer: Timer | undefined
}

/** The tasks scheduled with one delay, due in the order they were scheduled, under one timer. */
interface DelayQueue {
  delayMs: number
  tasks: Array<ScheduledTask | undefined>
  head: number
  timer: Timer | undefined
}

/**
 * Sends callbacks once (Daraja never retries), after a delay, and journals each POST with its
 * answer. Timers and in-flight POSTs are tracked so `settle()` can wait for them and `cancelAll()`
 * (reset, close) can stop them: nothing from before a reset leaks into the next test.
 */
export class CallbackSender {
  readonly journal: BoundedList<CallbackEntry>
  readonly #timeoutMs: number
  readonly #nowMs: () => number
  readonly #listeners = new Set<(entry: CallbackEntry) => void>()
  /** Scheduled tasks and when they are due on the emulator's clock (which `advanceClock` can move). */
  #timers = new Set<ScheduledTask>()
  /** One queue and one timer per delay in use (machine time), instead of a timer per task. */
  #queues = new Map<number, DelayQueue>()
  #inFlight = new Set<Promise<unknown>>()
  #abort = new AbortController()
  #seq = 0
  #idleWaiters: Array<() => void> = []

  readonly #clock: Clock

  constructor(options: { timeoutMs: number; maxJournal: number; nowMs: () => number; clock?: Clock }) {
    this.#timeoutMs = options.timeoutMs
    this.#nowMs = options.nowMs
    this.#clock = options.clock ?? systemClock
    this.journal = new BoundedList(options.maxJournal)
  }

  onCallback(listener: (entry: CallbackEntry) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Runs `task` after `delayMs` of the emulator's clock: when the clock's timer of that length
   * fires (a virtual clock's advance fires it too), or earlier when `runDue` finds the (advanced)
   * clock past it. The task usually ends by calling `send`.
   */
  schedule(delayMs: number, task: () => void): void {
    const entry: ScheduledTask = { dueAt: this.#nowMs() + delayMs, runAt: this.#clock.now() + delayMs, task, timer: undefined }
    this.#timers.add(entry)
    // A virtual clock runs each task at its own time and counts it (a test reads both), so each
    // gets its timer there. On the machine's clock, tasks of the same delay fall due in the order
    // they were scheduled: one timer for the earliest serves them all, and a busy emulator keeps
    // hundreds of callbacks pending without a timer object (and its closures) for each.
    if (isVirtualClock(this.#clock)) {
      entry.timer = this.#clock.setTimer(() => this.#run(entry), delayMs, 'emulator.callback')
      return
    }
    let queue = this.#queues.get(delayMs)
    if (!queue) {
      queue = { delayMs, tasks: [], head: 0, timer: undefined }
      this.#queues.set(delayMs, queue)
    }
    queue.tasks.push(entry)
    queue.timer ??= this.#armQueue(queue)
  }

  #armQueue(queue: DelayQueue): Timer {
    const first = queue.tasks[queue.head] as ScheduledTask
    return this.#clock.setTimer(() => this.#drainQueue(queue), Math.max(0, first.runAt - this.#clock.now()), 'emulator.callback')
  }

  /** Runs the queue's tasks that are due (those `runDue` ran already are skipped), then waits for the next. */
  #drainQueue(queue: DelayQueue): void {
    const now = this.#clock.now()
    const tasks = queue.tasks
    while (queue.head < tasks.length && (tasks[queue.head] as ScheduledTask).runAt <= now) {
      const entry = tasks[queue.head] as ScheduledTask
      tasks[queue.head++] = undefined
      this.#run(entry)
    }
    if (queue.tasks !== tasks) return // cancelAll() ran meanwhile
    if (queue.head === tasks.length) {
      queue.timer = undefined
      if (this.#queues.get(queue.delayMs) === queue) this.#queues.delete(queue.delayMs)
      return
    }
    if (queue.head > 1024 && queue.head * 2 > tasks.length) {
      queue.tasks = tasks.slice(queue.head)
      queue.head = 0
    }
    queue.timer = this.#armQueue(queue)
  }

  /** Runs, oldest first, every scheduled task that is due by the clock now (after `advanceClock`). */
  runDue(): void {
    const now = this.#nowMs()
    const due = [...this.#timers].filter((entry) => entry.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt)
    for (const entry of due) this.#run(entry)
  }

  #run(entry: ScheduledTask): void {
    if (!this.#timers.delete(entry)) return
    entry.timer?.cancel()
    try {
      entry.task()
    } finally {
      this.#checkIdle()
    }
  }

  /** Sends every copy; the promise (never rejected) ends when the last one is answered or abandoned. */
  send(callback: OutgoingCallback): Promise<unknown> {
    const signal = this.#abort.signal
    // One copy (every callback but a `twice` or duplicate fault's): its POST is the whole run, with
    // no async wrapper around it.
    const run: Promise<unknown> =
      callback.copies === 1
        ? this.#post(callback, 1, signal)
        : (async () => {
            for (let copy = 1; copy <= callback.copies; copy++) {
              if (signal.aborted) return
              await this.#post(callback, copy, signal)
            }
          })()
    this.#inFlight.add(run)
    this.#clock.track?.(run)
    // `run` never rejects: one `then` (a promise and this closure) instead of `finally`'s four
    // promises and closures, per callback.
    const landed = () => {
      this.#inFlight.delete(run)
      this.#checkIdle()
    }
    void run.then(landed, landed)
    return run
  }

  /**
   * POSTs once and hands the journaled entry (with the receiver's answer) to `then`, which may
   * send more: C2B's validation round trip. Tracked like `send`, so `settle` waits for all of it.
   */
  exchange(callback: OutgoingCallback, then: (entry: CallbackEntry) => void): void {
    const signal = this.#abort.signal
    const run = (async () => {
      const entry = await this.#post(callback, 1, signal)
      if (entry && !signal.aborted) then(entry)
    })()
    this.#inFlight.add(run)
    this.#clock.track?.(run)
    void run.finally(() => {
      this.#inFlight.delete(run)
      this.#checkIdle()
    })
  }

  /** Resolves once no callback is waiting or being sent (held prompts are not waited for). */
  settle(): Promise<void> {
    if (this.#idle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Cancels scheduled callbacks and aborts those in flight; the journal is kept. */
  cancelAll(): void {
    for (const entry of this.#timers) entry.timer?.cancel()
    this.#timers.clear()
    for (const queue of this.#queues.values()) {
      queue.timer?.cancel()
      queue.tasks = []
      queue.head = 0
    }
    this.#queues.clear()
    this.#abort.abort()
    this.#abort = new AbortController()
    this.#inFlight.clear()
    this.#checkIdle()
  }

  #idle(): boolean {
    return this.#timers.size === 0 && this.#inFlight.size === 0
  }

  #checkIdle(): void {
    if (!this.#idle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /**
   * One POST, journaled with its answer; resolves with the entry (undefined when a reset or close
   * aborted it), never rejects unless a listener throws. A chain of `then`s rather than an async
   * function: no suspended frame and its promises for every callback in flight (a busy emulator
   * has hundreds waiting for their receivers, and the garbage collector copies each one it finds).
   */
  #post(callback: OutgoingCallback, copy: number, signal: AbortSignal): Promise<CallbackEntry | undefined> {
    const started = performance.now()
    const entry: CallbackEntry = {
      id: ++this.#seq,
      at: isoTime(this.#nowMs()),
      kind: callback.kind,
      url: callback.url,
      transaction_id: callback.transactionId,
      copy,
      dropped: callback.drop,
      request: { headers: callback.headers, body: callback.body },
      response: null,
      error: null,
      duration_ms: 0,
    }
    // Journaled at once when nothing is sent, or when the request cannot even be made, as before.
    if (callback.drop) return this.#journalNow(entry, started)
    let sent: Promise<OutboundResponse>
    try {
      sent = sendRequest({
        method: 'POST',
        url: callback.url,
        headers: callback.headers,
        body: toWireJson(callback.body),
        timeoutMs: callback.timeoutMs ?? this.#timeoutMs,
        retries: 0,
        maxBodyBytes: 64 * 1024,
        signal,
      })
    } catch (error) {
      if (signal.aborted) return Promise.resolve(undefined)
      entry.error = error instanceof Error ? error.message : String(error)
      return this.#journalNow(entry, started)
    }
    return sent.then(
      (res) => {
        entry.response = { status: res.status, body: res.body }
        return this.#journal(entry, started)
      },
      (error: unknown) => {
        if (signal.aborted) return undefined
        entry.error = error instanceof Error ? error.message : String(error)
        return this.#journal(entry, started)
      },
    )
  }

  /** Journals synchronously; a listener's throw becomes the rejection, as from an async function. */
  #journalNow(entry: CallbackEntry, started: number): Promise<CallbackEntry> {
    try {
      return Promise.resolve(this.#journal(entry, started))
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #journal(entry: CallbackEntry, started: number): CallbackEntry {
    entry.duration_ms = Math.round(performance.now() - started)
    this.journal.push(entry)
    if (this.#listeners.size !== 0) for (const listener of this.#listeners) listener(entry)
    return entry
  }
}
