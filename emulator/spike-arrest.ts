/**
 * Daraja's spike arrest: past a few requests a second to one API it answers
 * `500.003.02 Error Occurred: Spike Arrest Violation` instead of acting. The limit is not
 * published; the sandbox profile uses a small one so that a burst from a client trips it.
 * Time is the emulator's clock, so tests can make a burst with a fixed clock.
 */
export class SpikeArrest {
  readonly #limit: number
  readonly #windowMs: number
  readonly #hits = new Map<string, number[]>()

  constructor(options: { limit: number; windowMs: number }) {
    this.#limit = options.limit
    this.#windowMs = options.windowMs
  }

  /** Counts a request to `endpoint` at `nowMs`; true when it is over the limit (and is refused). */
  arrests(endpoint: string, nowMs: number): boolean {
    const recent = (this.#hits.get(endpoint) ?? []).filter((at) => at > nowMs - this.#windowMs)
    const over = recent.length >= this.#limit
    if (!over) recent.push(nowMs)
    this.#hits.set(endpoint, recent)
    return over
  }

  clear(): void {
    this.#hits.clear()
  }
}
