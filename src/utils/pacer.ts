/**
 * Spaces calls to at most `perSecond` starts a second, whatever the concurrency: `await pace()`
 * before each call. It protects a remote rate limit per real second, so it runs on the machine's
 * clock.
 */
export function createPacer(perSecond: number): () => Promise<void> {
  const gapMs = 1000 / perSecond
  let nextSlot = 0
  return async () => {
    const now = Date.now()
    const slot = Math.max(now, nextSlot)
    nextSlot = slot + gapMs
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now))
  }
}
