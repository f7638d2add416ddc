/**
 * Business time. Every decision that depends on how much time has passed (Idempotency-Key expiry,
 * webhook retries and endpoint disabling, reconciliation, payout retries and status checks) reads
 * this clock and schedules its waits on it, so a test can swap in a virtual clock
 * (utils/virtual-clock.ts) and cover a day of retries in milliseconds.
 *
 * Not business time, so left on the machine's clock: I/O timeouts, shutdown grace periods,
 * request durations, log timestamps, rate limits (they protect this process per real second),
 * and signature timestamps (a receiver checks them against its own clock).
 */
export { systemClock, type Clock, type Timer } from '../utils/clock.js'
import type { Clock } from '../utils/clock.js'
import { isoTime } from '../utils/iso-time.js'

/** The clock's time as an ISO 8601 string, the form records store. */
export function isoNow(clock: Clock): string {
  return isoTime(clock.now())
}

/** The clock's time `ms` from now (negative: ago) as an ISO 8601 string. */
export function isoIn(clock: Clock, ms: number): string {
  return isoTime(clock.now() + ms)
}
