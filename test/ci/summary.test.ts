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

  it('failing tests are counted once each, and each is named with its first failure line (CI shows only the end of the log)', () => {
    const s = summary(`fast=${report('failing')}@1`)
    expect(s).toMatchObject({ status: 1, closing: '1 passed, 1 failed' })
    expect(s.notes).toContain('fast: FAILED test/example/failing.test.ts › fails: AssertionError: expected 1 to be 2 // Object.is equality')
  })

  it('a file run again after failing: its second result stands, and what failed first is named FLAKY', () => {
    // flaky-first: one test failed and another file's beforeAll threw; flaky-rerun: both files passed.
    const s = summary(`fast=${report('flaky-first')}@1`, `rerun:fast=${report('flaky-rerun')}@0`)
    expect(s.status).toBe(0)
    expect(s.closing).toBe('3 passed, 0 failed')
    expect(s.notes).toEqual([
      'fast: FLAKY test/example/failing.test.ts › fails: failed (AssertionError: expected 1 to be 2 // Object.is equality), then passed when its file ran again',
      'fast: FLAKY test/example/hook.test.ts: failed outside its tests (port 5432 in use), then passed when it ran again',
    ])
  })

  it('a test that fails again when its file is run again fails the run', () => {
    const s = summary(`fast=${report('failing')}@1`, `rerun:fast=${report('failing')}@1`)
    expect(s).toMatchObject({ status: 1, closing: '1 passed, 1 failed' })
    expect(s.notes).toContain('fast: FAILED test/example/failing.test.ts › fails: AssertionError: expected 1 to be 2 // Object.is equality')
    expect(s.notes.some((n) => n.includes('FLAKY'))).toBe(false)
  })

  it('a run again that wrote no report, or hit an unhandled error, leaves the first failures standing', () => {
    expect(summary(`fast=${report('flaky-first')}@1`, 'rerun:fast=/nonexistent/rerun.json@1')).toMatchObject({ status: 1, closing: '1 passed, 2 failed' })
    const unhandled = summary(`fast=${report('flaky-first')}@1`, `rerun:fast=${report('flaky-rerun')}@1`)
    expect(unhandled).toMatchObject({ status: 1, closing: '1 passed, 2 failed' })
    expect(unhandled.notes).toContain('fast: the run again of its failed files exited 1 with no failing test (an unhandled error); the first results stand')
  })

  it('--failed-files lists the files to run again: failing tests and failures outside tests, nothing else', () => {
    const files = (name: string) => spawnSync(process.execPath, ['.ci/summary.mjs', '--failed-files', report(name)], { encoding: 'utf8' }).stdout
    expect(files('flaky-first')).toBe('test/example/failing.test.ts\ntest/example/hook.test.ts\n')
    expect(files('pass')).toBe('')
    expect(files('flaky-rerun')).toBe('')
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
