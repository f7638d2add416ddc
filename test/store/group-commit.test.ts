import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Journal } from '../../src/store/journal.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { transaction } from './records.js'

/**
 * When the embedded store's appends start. No timing: the order of the event loop's phases
 * (microtasks, then timers, I/O and the check phase) decides every assertion.
 */

const opened: LowdbStore[] = []
const dirs: string[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const store of opened.splice(0)) await store.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function openStore() {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-group-commit-'))
  dirs.push(dir)
  const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
  opened.push(store)
  await store.open()
  return { store, journal: () => readFileSync(join(dir, 'gateway.journal'), 'utf8') }
}

/** Records each append's start and end, and a turn of the loop taken from the end of the first. */
function watchAppends() {
  const order: string[] = []
  const append = Journal.prototype.append
  vi.spyOn(Journal.prototype, 'append').mockImplementation(async function (this: Journal, entries) {
    const n = order.filter((e) => e.startsWith('append')).length + 1
    order.push(`append ${n}`)
    await append.call(this, entries)
    order.push(`end ${n}`)
    // Taken in the append's own microtasks, before the store's: it runs at the next check phase.
    if (n === 1) setImmediate(() => order.push('turn'))
  })
  return order
}

describe('group commit of the embedded store', () => {
  it('writes the changes made during an append as soon as it ends, before the loop turns', async () => {
    const { store, journal } = await openStore()
    const order = watchAppends()
    const first = store.insertTransaction(transaction('tx_a'))
    // Past the microtasks and one check phase: the first append is on the thread pool.
    for (let i = 0; i < 20; i++) await Promise.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual(['append 1'])
    const second = store.insertTransaction(transaction('tx_b'))
    await Promise.all([first, second])
    // The second append started in the first one's microtasks: it waited for nothing else that
    // turn of the loop did (a check phase used to come first, after every request read meanwhile).
    expect(order.slice(0, 4)).toEqual(['append 1', 'end 1', 'append 2', 'turn'])
    expect(journal()).toContain('"tx_b"')
  })

  it('with no append in progress, waits for the check phase so that one turn’s changes share an append', async () => {
    const { store, journal } = await openStore()
    const order = watchAppends()
    // Two changes in two separate microtask runs of the same turn (as two requests read from two sockets).
    const first = store.insertTransaction(transaction('tx_a'))
    await Promise.resolve()
    const second = store.insertTransaction(transaction('tx_b'))
    await Promise.all([first, second])
    expect(order.filter((e) => e.startsWith('append'))).toEqual(['append 1'])
    expect(journal()).toContain('"tx_a"')
    expect(journal()).toContain('"tx_b"')
  })
})
