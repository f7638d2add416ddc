import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { transaction } from './records.js'

const roots: string[] = []
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function root(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-modes-'))
  roots.push(dir)
  return dir
}
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8)

describe('store files are private', () => {
  it('a new data dir is 0700 and every file the store writes is 0600 (journal, folded snapshot)', async () => {
    const previous = process.umask(0o022)
    try {
      const dir = join(root(), 'data')
      const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, foldMinBytes: 4 * 1024 })
      await store.open()
      for (let i = 0; i < 10; i++) await store.insertTransaction(transaction(`t${i}`))
      await store.close()
      expect(modeOf(dir)).toBe('700')
      expect(readdirSync(dir).sort()).toEqual(['gateway.journal', 'gateway.json'])
      for (const f of readdirSync(dir)) expect([f, modeOf(join(dir, f))]).toEqual([f, '600'])
    } finally {
      process.umask(previous)
    }
  })

  it('an existing dir and files with wider modes are narrowed at open, with a warning', async () => {
    const dir = join(root(), 'data')
    mkdirSync(dir)
    const first = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, foldMinBytes: 1 })
    await first.open()
    await first.insertTransaction(transaction('a'))
    await first.insertTransaction(transaction('b'))
    await first.close()
    writeFileSync(join(dir, 'admin-token'), 'mpg_admin_0123456789abcdef\n')
    chmodSync(dir, 0o755)
    for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644)
    const warnings: Array<Record<string, unknown>> = []
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, warn: (message, fields) => warnings.push({ message, ...fields }) })
    await store.open()
    await store.close()
    expect(modeOf(dir)).toBe('700')
    for (const f of readdirSync(dir)) expect([f, modeOf(join(dir, f))]).toEqual([f, '600'])
    expect(warnings).toContainEqual({ message: 'store.mode_fixed', path: dir, was: '755', now: '700' })
    expect(warnings).toContainEqual({ message: 'store.mode_fixed', path: join(dir, 'gateway.json'), was: '644', now: '600' })
  })
})
