import type { Store } from '../../src/store/store.js'

/** The store's writes a money path makes, in the order a test counts them. */
export type WriteMethod = 'insertTransaction' | 'transition' | 'saveIdempotency' | 'deleteIdempotency'

const WRITES: readonly WriteMethod[] = ['insertTransaction', 'transition', 'saveIdempotency', 'deleteIdempotency']

export interface WriteCut {
  /** The writes that reached the store since the cut was armed (method names, in call order). */
  passed: WriteMethod[]
  /** Resolves with the write the cut fell on, once the cut has happened. */
  happened: Promise<WriteMethod>
}

/**
 * Lets `pass` more writes through to a running gateway's store, then runs `cut` right before the
 * next one starts, e.g. filling the disk so that this write, and every one after it, fails. The
 * window between two writes of one code path is then hit every time, not by chance: `pass` counts
 * from the call, so arm it just before the request whose writes it counts, with nothing else
 * writing through these methods meanwhile. Writes are counted by the order they are called in,
 * so the same test hits "the second write" whichever order a version of the code makes them in.
 */
export function cutWritesAfter(store: Store, pass: number, cut: () => void | Promise<void>): WriteCut {
  const passed: WriteMethod[] = []
  let cutDone: ((method: WriteMethod) => void) | undefined
  const happened = new Promise<WriteMethod>((resolve) => (cutDone = resolve))
  let cutting: Promise<void> | undefined
  const target = store as unknown as Record<WriteMethod, (...args: unknown[]) => Promise<unknown>>
  for (const method of WRITES) {
    const real = target[method].bind(store)
    target[method] = async (...args: unknown[]) => {
      if (passed.length < pass && !cutting) {
        passed.push(method)
        return real(...args)
      }
      cutting ??= Promise.resolve(cut()).then(() => cutDone!(method))
      await cutting
      return real(...args)
    }
  }
  return { passed, happened }
}
