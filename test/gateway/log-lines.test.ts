import { describe, expect, it } from 'vitest'
import { batchedLines, createLogger } from '../../src/core/logger.js'

describe('log lines of one event-loop turn', () => {
  it('go out in one write, in order, each ending in a newline', async () => {
    const writes: string[] = []
    const lines = batchedLines((text) => writes.push(text))
    const log = createLogger({ json: true, write: lines.write })
    log.info('request', { status: 201 })
    log.warn('stk.unconfirmed', { transaction_id: 't1' })
    expect(writes).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).toHaveLength(1)
    const parsed = writes[0].split('\n')
    expect(parsed.at(-1)).toBe('')
    expect(parsed.slice(0, -1).map((l) => JSON.parse(l).event)).toEqual(['request', 'stk.unconfirmed'])
  })

  it('flush() writes what is waiting at once, and nothing twice', async () => {
    const writes: string[] = []
    const lines = batchedLines((text) => writes.push(text))
    lines.write('one')
    lines.flush()
    expect(writes).toEqual(['one\n'])
    await new Promise((resolve) => setImmediate(resolve))
    lines.write('two')
    await new Promise((resolve) => setImmediate(resolve))
    expect(writes).toEqual(['one\n', 'two\n'])
  })
})
