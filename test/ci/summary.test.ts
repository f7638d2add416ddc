import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

/** Real vitest JSON reports (test/ci/reports/), recorded from runs of tiny example files. */
const report = (name: string) => `test/ci/reports/${name}.json`

function summary(...args: string[]) {
  const run = spawnSync(process.execPath, ['.ci/summary.mjs', ...args], { encoding: 'utf8' })
  const lines = run.stdout.trim().split('\n')
  return { status: run.status, closing: lines.at(-1), notes: lines.slice(0, -1) }
}

describe('.ci/summary.mjs: the closing line cannot be green by mistake', () => {
  it('all passed: green', () => {
    expect(summary(`fast=${report('pass')}@0`, `slow=${report('pass')}@0`)).toEqual({ status: 0, closing: '2 passed, 0 failed', notes: [] })
  })

  it('a missing report (build or type check failed) counts as a failure instead of vanishing', () => {
    const s = summary('fast=/nonexistent/fast.json@2', `slow=${report('pass')}@0`)
    expect(s.status).toBe(1)
    expect(s.closing).toBe('1 passed, 1 failed')
    expect(s.notes).toEqual([expect.stringContaining('fast: no report')])
  })

  it('a failing afterAll fails the run although every test passed', () => {
    const s = summary(`fast=${report('afterall')}@1`)
    expect(s.status).toBe(1)
    expect(s.closing).toBe('1 passed, 1 failed')
    expect(s.notes).toEqual([expect.stringContaining('afterall.test.ts failed outside its tests')])
  })

  it('an unhandled error (invisible in the report, seen in vitest’s exit status) fails the run', () => {
    const s = summary(`fast=${report('unhandled')}@1`)
    expect(s.status).toBe(1)
    expect(s.closing).toBe('1 passed, 1 failed')
    expect(s.notes).toEqual([expect.stringContaining('unhandled error')])
  })

  it('failing tests are counted once each', () => {
    const s = summary(`fast=${report('failing')}@1`)
    expect(s).toMatchObject({ status: 1, closing: '1 passed, 1 failed' })
  })

  it('says when a suite was skipped, and a skipped suite alone is not a pass', () => {
    const s = summary(`fast=${report('pass')}@0`, 'slow=skipped:MPG_SKIP_SLOW=1')
    expect(s).toEqual({ status: 0, closing: '1 passed, 0 failed', notes: ['slow: not run (MPG_SKIP_SLOW=1)'] })
    expect(summary('slow=skipped:MPG_SKIP_SLOW=1')).toMatchObject({ status: 1, closing: '0 passed, 1 failed' })
  })

  it('no suite named is a failure, not an empty green', () => {
    expect(summary()).toMatchObject({ status: 1, closing: '0 passed, 1 failed' })
  })
})
