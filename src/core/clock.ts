/**
 * Business time. Every decision that depends on how much time has passed (Idempotency-Key expiry,
 * webhook retries and endpoint disabling, reconciliation, payout retries and status checks) reads
 * this clock and schedules its waits on it, so a test can swap in a virtual clock
 * (core/virtual-clock.ts) and cover a day of retries in milliseconds.
 *
 * Not business time, so left on the machine's clock: I/O timeouts, shutdown grace periods,
 * request durations, log timestamps, rate limits (they protect this process per real second),
 * and signature timestamps (a receiver checks them against its own clock).
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number
  /** Runs `task` once `ms` of this clock's time have passed. Never keeps the process alive. */
  setTimer(task: () => unknown, ms: number): Timer
  /** Runs `task` every `ms` of this clock's time until cancelled. Never keeps the process alive. */
  setRepeating(task: () => unknown, ms: number): Timer
}

export interface Timer {
  /** Idempotent. */
  cancel(): void
}

/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** The machine's clock and Node's timers: what a gateway uses unless given another clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(task, ms) {
    const due = Date.now() + ms
    let handle: NodeJS.Timeout
    const arm = (wait: number) => {
      handle = setTimeout(() => {
        const left = due - Date.now()
        if (left > 0) arm(left)
        else void task()
      }, Math.min(Math.max(wait, 0), MAX_TIMER_MS))
      handle.unref()
    }
    arm(ms)
    return { cancel: () => clearTimeout(handle) }
  },
  setRepeating(task, ms) {
    const handle = setInterval(() => void task(), ms)
    handle.unref()
    return { cancel: () => clearInterval(handle) }
  },
}

/** The clock's time as an ISO 8601 string, the form records store. */
export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString()
}

/** The clock's time `ms` from now (negative: ago) as an ISO 8601 string. */
export function isoIn(clock: Clock, ms: number): string {
  return new Date(clock.now() + ms).toISOString()
}
