import { describe, expect, it } from 'vitest'
import { batchedLines, createLogger } from '../../src/core/logger.js'

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('log lines written together', () => {
  it('lines within the wait go out in one write, in order, each ending in a newline', async () => {
    const writes: string[] = []
    const lines = batchedLines((text) => writes.push(text), 30)
    const log = createLogger({ json: true, write: lines.write })
    log.info('request', { status: 201 })
    await new Promise((resolve) => setImmediate(resolve))
    log.warn('stk.unconfirmed', { transaction_id: 't1' })
    expect(writes).toEqual([])
    await wait(80)
    expect(writes).toHaveLength(1)
    const parsed = writes[0].split('\n')
    expect(parsed.at(-1)).toBe('')
    expect(parsed.slice(0, -1).map((l) => JSON.parse(l).event)).toEqual(['request', 'stk.unconfirmed'])
  })

  it('flush() writes what is waiting at once, and nothing twice', async () => {
    const writes: string[] = []
    const lines = batchedLines((text) => writes.push(text), 10)
    lines.write('one')
    lines.flush()
    expect(writes).toEqual(['one\n'])
    await wait(40)
    expect(writes).toEqual(['one\n'])
    lines.write('two')
    await wait(40)
    expect(writes).toEqual(['one\n', 'two\n'])
  })

  it('64 KiB waiting are written without waiting for the timer', () => {
    const writes: string[] = []
    const lines = batchedLines((text) => writes.push(text), 60_000)
    const line = 'x'.repeat(1023)
    for (let i = 0; i < 64; i++) lines.write(line)
    expect(writes).toHaveLength(1)
    expect(writes[0]).toHaveLength(64 * 1024)
    lines.flush()
    expect(writes).toHaveLength(1)
  })

  it('a line waiting does not keep the process alive, and is written before it exits', async () => {
    const { spawnSync } = await import('node:child_process')
    const script = `import('${new URL('../../dist/src/core/logger.js', import.meta.url).href}').then(({ batchedLines }) => { const l = batchedLines((t) => process.stdout.write(t), 60000); process.once('exit', l.flush); l.write('last words') })`
    const started = Date.now()
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(run.stdout).toBe('last words\n')
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})

describe('a JSON log line', () => {
  const lineOf = (level: 'info' | 'warn' | 'error', event: string, fields?: Record<string, unknown>) => {
    const written: string[] = []
    createLogger({ json: true, write: (line) => written.push(line) }).log(level, event, fields)
    expect(written).toHaveLength(1)
    return written[0]
  }

  it('is the event, level and time followed by the fields, as one JSON object', () => {
    const line = lineOf('warn', 'payout.retry_later', { transaction_id: 't1', attempt: 2, answer: { code: '500.003.02', text: 'say "hi"\n' }, last: undefined, ok: null })
    const parsed = JSON.parse(line)
    expect(Object.keys(parsed)).toEqual(['type', 'event', 'level', 'time', 'transaction_id', 'attempt', 'answer', 'ok'])
    expect(parsed).toMatchObject({ type: 'payout.retry_later', event: 'payout.retry_later', level: 'warn', transaction_id: 't1', attempt: 2, answer: { code: '500.003.02', text: 'say "hi"\n' }, ok: null })
    expect(new Date(parsed.time).toISOString()).toBe(parsed.time)
    expect(line).toBe(JSON.stringify({ type: 'payout.retry_later', event: 'payout.retry_later', level: 'warn', time: parsed.time, transaction_id: 't1', attempt: 2, answer: parsed.answer, ok: null }))
  })

  it('with no fields (or only undefined ones) is just the line’s own four', () => {
    for (const fields of [undefined, {}, { gone: undefined }]) expect(Object.keys(JSON.parse(lineOf('info', 'cron.tick', fields)))).toEqual(['type', 'event', 'level', 'time'])
  })

  it('a field named like one of the line’s own replaces it in place, as a spread does', () => {
    const parsed = JSON.parse(lineOf('info', 'webhook.attempt', { event: 'payment.success', level: 'x', status_code: 200 }))
    expect(Object.keys(parsed)).toEqual(['type', 'event', 'level', 'time', 'status_code'])
    expect(parsed).toMatchObject({ type: 'webhook.attempt', event: 'payment.success', level: 'x', status_code: 200 })
  })

  it('escapes an event name that needs it', () => {
    expect(JSON.parse(lineOf('error', 'odd "name"\\')).event).toBe('odd "name"\\')
  })
})
