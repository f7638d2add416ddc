import { StorageError } from '../../src/store/errors.js'
import type { Store } from '../../src/store/store.js'

/** The store's writes a money path makes, in the order a test counts them. */
export type WriteMethod = 'insertTransaction' | 'transition' | 'saveIdempotency' | 'deleteIdempotency'

const WRITES: readonly WriteMethod[] = ['insertTransaction', 'transition', 'saveIdempotency', 'deleteIdempotency']

export interface WriteCut {
  /** The writes called since it was armed, in call order (those before the cut reached the store). */
  called: WriteMethod[]
  /** Resolves with the write the cut fell on, once the cut has happened. */
  happened: Promise<WriteMethod>
}

/**
 * Counts the money paths' writes to a running gateway's store from the call on and hands each to
 * `gate` with its place (0 for the first) before it starts; `gate` may wait, or throw to fail that
 * write. Writes are counted in the order they are called, so a case names "the third write"
 * whichever order a version of the code makes them in. Arm it just before the request whose writes
 * it counts, with nothing else writing through these methods meanwhile.
 */
function gateWrites(store: Store, gate: (method: WriteMethod, place: number) => Promise<void>): WriteMethod[] {
  const called: WriteMethod[] = []
  const target = store as unknown as Record<WriteMethod, (...args: unknown[]) => Promise<unknown>>
  for (const method of WRITES) {
    const real = target[method].bind(store)
    target[method] = async (...args: unknown[]) => {
      const place = called.push(method) - 1
      await gate(method, place)
      return real(...args)
    }
  }
  return called
}

/**
 * Lets `pass` writes through, then runs `cut` right before the next one starts, e.g. filling the
 * disk so that this write, and every one after it, fails: the window between two writes of one
 * code path is hit every time, not by chance. A write called meanwhile (the same step's) waits
 * for the cut too.
 */
export function cutWritesAfter(store: Store, pass: number, cut: () => void | Promise<void>): WriteCut {
  let cutDone: ((method: WriteMethod) => void) | undefined
  const happened = new Promise<WriteMethod>((resolve) => (cutDone = resolve))
  let cutting: Promise<void> | undefined
  const called = gateWrites(store, async (method, place) => {
    if (place < pass) return
    if (!cutting) cutting = Promise.resolve(cut()).then(() => cutDone!(method))
    await cutting
  })
  return { called, happened }
}

/**
 * Lets `pass` writes through, fails the next one as a database that stops answering fails it
 * (nothing changed; StorageError 'unavailable'), and lets every later one through: a process that
 * goes on after one failed write, as a gateway on PostgreSQL does.
 */
export function failOneWriteAfter(store: Store, pass: number): WriteCut {
  let failedOne: ((method: WriteMethod) => void) | undefined
  const happened = new Promise<WriteMethod>((resolve) => (failedOne = resolve))
  const called = gateWrites(store, async (method, place) => {
    if (place !== pass) return
    failedOne!(method)
    throw new StorageError('unavailable', 'The database does not answer (a test failed this write); nothing was changed.', 'Retry once it answers.')
  })
  return { called, happened }
}
