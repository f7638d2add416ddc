/**
 * Time and timers, behind an interface so that a test can swap in a virtual clock
 * (utils/virtual-clock.ts) for the gateway and its emulator alike. What runs on it is decided in
 * core/clock.ts.
 */
export interface Clock {
  /** Milliseconds since the epoch, like Date.now(). */
  now(): number
  /**
   * Runs `task` once `ms` of this clock's time have passed. Never keeps the process alive. `label`
   * names the kind of work (`webhook.attempt`), which a virtual clock's advance reports.
   */
  setTimer(task: () => unknown, ms: number, label?: string): Timer
  /** Runs `task` every `ms` of this clock's time until cancelled. Never keeps the process alive. */
  setRepeating(task: () => unknown, ms: number, label?: string): Timer
  /**
   * Work started in the background by time passing or by a callback (a B2C, a webhook scheduled for
   * a new event): a virtual clock's advance waits for it before answering. The system clock ignores it.
   */
  track?<T>(work: Promise<T>): Promise<T>
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
