import { deliversTo } from '../../src/webhooks/subscriptions.js'
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StorageError } from '../../src/store/errors.js'
import { LowdbStore } from '../../src/store/lowdb-store.js'
import { transaction } from './records.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-corrupt-'))
  dirs.push(dir)
  return dir
}

/** Every file of the dir with its bytes: equal before and after means nothing was changed. */
function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]))
}

describe('a damaged or foreign store stops start-up, naming the file, and changes nothing', () => {
  const snapshots: Array<[string, string, RegExp]> = [
    ['null', 'null', /gateway\.json is not a gateway store \(it holds null\)/],
    ['an array', '[]', /gateway\.json is not a gateway store \(it holds an array\)/],
    ['another version', '{"version":7}', /gateway\.json is not a gateway store \(version 7, expected 1\)/],
    ['a damaged collection', '{"version":1,"transactions":{}}', /gateway\.json is damaged: "transactions" is not a list/],
    ['garbage', '{"version":1,"accounts":[', /gateway\.json is not valid JSON/],
    ['an empty file', '', /gateway\.json is not valid JSON/],
  ]
  for (const [what, content, message] of snapshots) {
    it(`a snapshot holding ${what}`, async () => {
      const dir = dataDir()
      writeFileSync(join(dir, 'gateway.json'), content)
      const before = filesOf(dir)
      const error = await new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo }).open().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StorageError)
      expect((error as StorageError).reason).toBe('corrupt')
      expect((error as Error).message).toMatch(message)
      expect((error as StorageError).hint).toMatch(/Restore .*gateway\.json from a backup, or move it aside/)
      expect(filesOf(dir)).toEqual(before)
    })
  }

  const journals: Array<[string, string, RegExp]> = [
    ['text without a newline', 'hello world', /gateway\.journal is not a gateway journal/],
    ['JSON of another program', '[1,2,3]\n', /gateway\.journal is not a gateway journal/],
    ['a damaged line in the middle', '{"m":{},"s":1}\n{"c":"accounts","r":{"id":\n{"m":{},"s":1}\n', /gateway\.journal is corrupt at line 2 \(not JSON\)/],
    ['a line that is no journal entry', '{"m":{},"s":1}\n{"hello":1}\n', /gateway\.journal is corrupt at line 2 \(not a journal entry\)/],
  ]
  for (const [what, content, message] of journals) {
    it(`a journal holding ${what}`, async () => {
      const dir = dataDir()
      writeFileSync(join(dir, 'gateway.journal'), content)
      const before = filesOf(dir)
      const error = await new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo }).open().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(StorageError)
      expect((error as Error).message).toMatch(message)
      expect((error as StorageError).hint).toMatch(/Restore .*gateway\.journal from a backup, or move it aside/)
      expect(filesOf(dir)).toEqual(before)
    })
  }

  it('a torn last journal line (a crash mid-append) is the one thing cut, and its bytes are kept aside', async () => {
    const dir = dataDir()
    const store = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo })
    await store.open()
    await store.insertTransaction(transaction('kept'))
    await store.close()
    const torn = '{"c":"transactions","r":{"id":"torn","acc'
    appendFileSync(join(dir, 'gateway.journal'), torn)
    const warnings: Array<Record<string, unknown>> = []
    const reopened = new LowdbStore(join(dir, 'gateway.json'), { deliverTo: deliversTo, warn: (message, fields) => warnings.push({ message, ...fields }) })
    await reopened.open()
    expect((await reopened.getTransaction('kept'))?.id).toBe('kept')
    const aside = readdirSync(dir).filter((f) => f.startsWith('gateway.journal.torn-'))
    expect(aside).toHaveLength(1)
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(torn)
    expect(readFileSync(join(dir, 'gateway.journal'), 'utf8').endsWith('\n')).toBe(true)
    expect(warnings).toContainEqual(expect.objectContaining({ message: 'store.torn_line_kept', file: join(dir, aside[0]) }))
    await reopened.close()
  })
})
