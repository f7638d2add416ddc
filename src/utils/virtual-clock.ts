import type { Clock, Timer } from './clock.js'

/** What one `advance` did: where time went and which scheduled tasks ran on the way. */
export interface AdvanceReport {
  from: string
  to: string
  advanced_ms: number
  /** How many times each kind of task ran (a repeating one counts each run), e.g. `{"webhook.attempt": 4}`. */
  ran: Record<string, number>
}

export interface VirtualClock extends Clock {
  /**
   * Moves time forward by `ms`, running every task that falls due on the way in due order (each
   * at its own time), and resolves once the work they started has finished: a test can assert
   * right after. Calls are queued, never interleaved.
   */
  advance(ms: number): Promise<AdvanceReport>
  /** Resolves once no tracked work runs and nothing is due now (what advance waits for at each step). */
  settle(): Promise<void>
  track<T>(work: Promise<T>): Promise<T>
  readonly virtual: true
}

export interface VirtualClockOptions {
  /**
   * Whether time also passes on its own, in step with the machine's clock (what `mpg serve` in test
   * mode uses: the gateway behaves normally, and advance jumps ahead). Default false: time stands
   * still between advances, and only tasks due now run by themselves.
   */
  ticking?: boolean
}

interface Entry {
  seq: number
  due: number
  task: () => unknown
  label: string
  /** Repeating period, or undefined for a one-shot timer. */
  every?: number
  wake?: NodeJS.Timeout
}

/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1
/**
 * Event-loop turns without new work after which the system counts as settled: work nobody passed
 * to track() (a promise chain that ends by scheduling a timer due now) gets this long to show up.
 * Tracked work is waited for however long it takes, so a receiver that hangs holds up an advance
 * until its request times out.
 */
const QUIET_TURNS = 2

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A clock for tests: `createVirtualClock(Date.parse('2026-01-01T00:00:00Z'))` stands still until
 * advanced; pass it to createGateway({ clock }) (and startEmulator({ clock })) and
 * `await clock.advance(24 * 3600_000)` walks a day of retries, reconciliation and expiry in
 * milliseconds. Default start: the machine's time now.
 */
export function createVirtualClock(start?: number | Date, options: VirtualClockOptions = {}): VirtualClock {
  const ticking = options.ticking ?? false
  const startMs = start === undefined ? Date.now() : typeof start === 'number' ? start : start.getTime()
  // Frozen: now = offset. Ticking: now = Date.now() + offset.
  let offset = ticking ? startMs - Date.now() : startMs
  const entries = new Set<Entry>()
  const work = new Set<Promise<unknown>>()
  let seq = 0
  let queue: Promise<unknown> = Promise.resolve()
  /** Runs by label since the current advance began. */
  let tally: Record<string, number> = {}

  const now = () => (ticking ? Date.now() + offset : offset)

  const track = <T>(promise: Promise<T>): Promise<T> => {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    )
    work.add(settled)
    void settled.then(() => work.delete(settled))
    return promise
  }

  /** A real timer wakes the entry when it is due by the machine's clock too (ticking), or due already. */
  const arm = (entry: Entry) => {
    if (entry.wake) clearTimeout(entry.wake)
    entry.wake = undefined
    const wait = entry.due - now()
    if (wait > 0 && !ticking) return
    entry.wake = setTimeout(() => {
      entry.wake = undefined
      if (!entries.has(entry)) return
      if (entry.due <= now()) fire(entry)
      else arm(entry)
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS))
    entry.wake.unref()
  }

  const fire = (entry: Entry) => {
    tally[entry.label] = (tally[entry.label] ?? 0) + 1
    if (entry.every === undefined) entries.delete(entry)
    else {
      // Like setInterval after a busy spell: the next run is a period after this one, not a burst.
      entry.due = Math.max(entry.due + entry.every, now())
      entry.seq = ++seq
      arm(entry)
    }
    try {
      const result = entry.task()
      if (result instanceof Promise) track(result)
    } catch {
      // A task's failure is its own to log; the clock keeps going.
    }
  }

  const add = (task: () => unknown, ms: number, label = 'timer', every?: number): Timer => {
    const entry: Entry = { seq: ++seq, due: now() + Math.max(0, ms), task, label, every }
    entries.add(entry)
    arm(entry)
    return {
      cancel() {
        entries.delete(entry)
        if (entry.wake) clearTimeout(entry.wake)
      },
    }
  }

  const nextDue = (by: number): Entry | undefined => {
    let best: Entry | undefined
    for (const e of entries) if (e.due <= by && (!best || e.due < best.due || (e.due === best.due && e.seq < best.seq))) best = e
    return best
  }

  const settle = async () => {
    for (let quiet = 0; quiet < QUIET_TURNS; ) {
      const due = nextDue(now())
      if (due) fire(due)
      if (work.size > 0) {
        await Promise.all([...work])
        quiet = 0
      } else if (due) quiet = 0
      else {
        await turn()
        quiet++
      }
    }
  }

  const step = async (ms: number): Promise<AdvanceReport> => {
    const from = now()
    const target = from + ms
    tally = {}
    await settle()
    for (let entry = nextDue(target); entry; entry = nextDue(target)) {
      if (entry.due > now()) offset += entry.due - now()
      fire(entry)
      await settle()
    }
    if (target > now()) offset += target - now()
    for (const e of entries) arm(e)
    await settle()
    return { from: new Date(from).toISOString(), to: new Date(now()).toISOString(), advanced_ms: ms, ran: tally }
  }

  return {
    virtual: true,
    now,
    setTimer: (task, ms, label) => add(task, ms, label),
    setRepeating: (task, ms, label) => add(task, ms, label, Math.max(1, ms)),
    track,
    settle,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) return Promise.reject(new RangeError(`advance takes a number of milliseconds of at least 0, not ${ms}`))
      const run = queue.then(() => step(ms))
      queue = run.catch(() => undefined)
      return run
    },
  }
}

/** Whether `clock` can be advanced (a gateway in test mode has one). */
export function isVirtualClock(clock: Clock): clock is VirtualClock {
  return (clock as Partial<VirtualClock>).virtual === true
}
