/**
 * Spaces calls to at most `perSecond` starts a second, whatever the concurrency: `await pace()`
 * before each call. It protects a remote rate limit per real second, so it runs on the machine's
 * clock. A call's turn is taken when it really starts, not booked ahead: calls whose booked times
 * all passed while the process was stalled (busy, or descheduled on a loaded machine) would
 * otherwise start together, a burst of exactly what the limit refuses.
 */
export function createPacer(perSecond: number): () => Promise<void> {
  const gapMs = 1000 / perSecond
  let nextStart = 0
  return async () => {
    for (;;) {
      const now = Date.now()
      if (now >= nextStart) {
        nextStart = now + gapMs
        return
      }
      await new Promise((resolve) => setTimeout(resolve, nextStart - now))
    }
  }
}
