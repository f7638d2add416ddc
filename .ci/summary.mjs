// Prints the closing line CI reads ("N passed, N failed") from the vitest JSON reports of the
// suites .ci/run expected to run. Every suite is named explicitly, so a suite that never wrote its
// report (the build or the type check failed first) counts as a failure instead of vanishing.
//
//   node .ci/summary.mjs fast=<report.json>@<exit status> rerun:fast=<report.json>@<exit> slow=skipped:<reason> …
//   node .ci/summary.mjs --failed-files <report.json>     (the files to run again, one per line)
//
// A suite fails when its report is missing or unreadable, when a test failed, when a file failed
// without a failing test (a failing beforeAll/afterAll, an import error), when the report says it
// did not succeed, when vitest exited non-zero although its report shows no failure (an unhandled
// error: vitest's JSON report does not list those), or when it ran no test at all.
//
// CI runs the files that failed once more (`rerun:<suite>`), as Playwright's CI retries do: the
// second run's result stands for those files, and every test that failed first and passed then is
// named as FLAKY above the closing line, with its first failure, so it is seen and fixed rather
// than hidden. Every failing test is named too, since CI shows only the end of the log.
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/** One expected suite, from `name=path@exit` or `name=skipped:reason`. */
export function parseSuiteArg(arg) {
  const eq = arg.indexOf('=')
  if (eq <= 0) throw new Error(`expected name=<report>@<exit> or name=skipped:<reason>, got "${arg}"`)
  const name = arg.slice(0, eq)
  const rest = arg.slice(eq + 1)
  if (rest.startsWith('skipped:')) return { name, skipped: rest.slice('skipped:'.length) || 'skipped' }
  const at = rest.lastIndexOf('@')
  if (at === -1) return { name, report: rest, exit: undefined }
  const exit = Number(rest.slice(at + 1))
  if (!Number.isInteger(exit)) throw new Error(`"${arg}": the exit status after @ is not a number`)
  return { name, report: rest.slice(0, at), exit }
}

const firstLine = (text) => {
  const line = String(text ?? '').split('\n').find((l) => l.trim() !== '') ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}

/** Per test file: the tests that passed, failed (with their first failure line) and were skipped, and why the file failed outside its tests, if it did. */
export function fileOutcomes(report) {
  const files = new Map()
  for (const file of report.testResults ?? []) {
    const tests = file.assertionResults ?? []
    const failed = tests
      .filter((t) => t.status === 'failed')
      .map((t) => ({ name: t.fullName ?? t.title, message: firstLine(t.failureMessages?.[0]) }))
    const outcome = {
      passed: tests.filter((t) => t.status === 'passed').length,
      failed,
      skipped: tests.filter((t) => t.status === 'skipped' || t.status === 'pending' || t.status === 'todo').length,
      brokenOutside: file.status === 'failed' && failed.length === 0 ? firstLine(file.message) || 'no message' : null,
      passedNames: new Set(tests.filter((t) => t.status === 'passed').map((t) => t.fullName ?? t.title)),
    }
    files.set(file.name, outcome)
  }
  return files
}

const isFailing = (outcome) => outcome.failed.length > 0 || outcome.brokenOutside !== null

/** The files of a report that failed, for CI to run again. */
export function failedFiles(report) {
  return [...fileOutcomes(report)].filter(([, outcome]) => isFailing(outcome)).map(([name]) => name)
}

function readReport(path, read) {
  try {
    return { report: JSON.parse(read(path)) }
  } catch (error) {
    return { error: error?.code === 'ENOENT' ? 'no report' : 'unreadable report' }
  }
}

/** Counts of one suite, with one note per reason it failed, was not run, or passed only when run again. */
export function summariseSuite(suite, read = (path) => readFileSync(path, 'utf8'), rerun = undefined) {
  const out = { passed: 0, failed: 0, skipped: 0, notes: [] }
  if (suite.skipped !== undefined) {
    out.notes.push(`${suite.name}: not run (${suite.skipped})`)
    return out
  }
  const first = readReport(suite.report, read)
  if (first.error) {
    out.failed = 1
    out.notes.push(`${suite.name}: ${first.error} (${suite.report}): the build, the type check or vitest failed before writing it`)
    return out
  }
  const files = fileOutcomes(first.report)
  const failingAtFirst = [...files].filter(([, o]) => isFailing(o))

  let rerunFixedAFile = false
  if (rerun && failingAtFirst.length > 0) {
    const again = readReport(rerun.report, read)
    const againFiles = again.report ? fileOutcomes(again.report) : new Map()
    const againFailed = [...againFiles.values()].some(isFailing)
    if (again.error) {
      out.notes.push(`${suite.name}: the run again of its failed files wrote ${again.error}; the first results stand`)
    } else if (rerun.exit !== undefined && rerun.exit !== 0 && !againFailed) {
      out.notes.push(`${suite.name}: the run again of its failed files exited ${rerun.exit} with no failing test (an unhandled error); the first results stand`)
    } else {
      for (const [name, before] of failingAtFirst) {
        const after = againFiles.get(name)
        if (!after) continue
        for (const test of before.failed) {
          if (after.passedNames.has(test.name)) out.notes.push(`${suite.name}: FLAKY ${name} › ${test.name}: failed (${test.message}), then passed when its file ran again`)
        }
        if (before.brokenOutside !== null && after.brokenOutside === null) {
          out.notes.push(`${suite.name}: FLAKY ${name}: failed outside its tests (${before.brokenOutside}), then passed when it ran again`)
        }
        if (!isFailing(after)) rerunFixedAFile = true
        files.set(name, after)
      }
    }
  }

  for (const [name, outcome] of files) {
    out.passed += outcome.passed
    out.skipped += outcome.skipped
    out.failed += outcome.failed.length
    for (const test of outcome.failed) out.notes.push(`${suite.name}: FAILED ${name} › ${test.name}: ${test.message}`)
    if (outcome.brokenOutside !== null) {
      out.failed++
      out.notes.push(`${suite.name}: ${name} failed outside its tests (a hook or the file itself): ${outcome.brokenOutside}`)
    }
  }
  const failingTests = [...files.values()].reduce((n, o) => n + o.failed.length, 0)
  if (failingTests > 0) out.notes.push(`${suite.name}: ${failingTests} failing test${failingTests === 1 ? '' : 's'}`)

  const countedHere = () => out.failed > 0
  // With no file failing at first, the report's own verdict and vitest's exit status are the only
  // sign of what the report cannot list. Once a file failed, both say so already.
  if (failingAtFirst.length === 0 && (first.report.success === false || (first.report.numFailedTestSuites ?? 0) > 0)) {
    out.failed++
    out.notes.push(`${suite.name}: the report says the run did not succeed (${first.report.numFailedTestSuites ?? 0} failed suites)`)
  }
  if (!countedHere() && !rerunFixedAFile && suite.exit !== undefined && suite.exit !== 0) {
    out.failed++
    out.notes.push(`${suite.name}: vitest exited ${suite.exit} although no test failed: an unhandled error (see its log above)`)
  }
  if (out.passed + out.failed === 0) {
    out.failed++
    out.notes.push(`${suite.name}: ran no test`)
  }
  return out
}

export function summarise(args, read) {
  if (args.length === 0) throw new Error('name the expected suites: fast=<report>@<exit> …')
  const parsed = args.map(parseSuiteArg)
  const reruns = new Map(parsed.filter((s) => s.name.startsWith('rerun:')).map((s) => [s.name.slice('rerun:'.length), s]))
  const suites = parsed.filter((s) => !s.name.startsWith('rerun:'))
  for (const name of reruns.keys()) {
    if (!suites.some((s) => s.name === name)) throw new Error(`rerun:${name} names no suite`)
  }
  const total = { passed: 0, failed: 0, skipped: 0, notes: [] }
  for (const suite of suites) {
    const s = summariseSuite(suite, read, reruns.get(suite.name))
    total.passed += s.passed
    total.failed += s.failed
    total.skipped += s.skipped
    total.notes.push(...s.notes)
  }
  if (total.passed + total.failed === 0) {
    total.failed = 1
    total.notes.push('no suite ran a test')
  }
  return total
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--failed-files') {
    // Nothing to run again when the report is missing: the summary counts that as a failure.
    const first = readReport(process.argv[3] ?? '', (path) => readFileSync(path, 'utf8'))
    if (first.report) for (const name of failedFiles(first.report)) console.log(name)
    process.exit(0)
  }
  let total
  try {
    total = summarise(process.argv.slice(2))
  } catch (error) {
    console.log(`summary: ${error.message}`)
    total = { passed: 0, failed: 1, skipped: 0, notes: [] }
  }
  for (const note of total.notes) console.log(note)
  // The closing line is exactly what CI reads; skipped tests get a line of their own above it.
  if (total.skipped) console.log(`${total.skipped} skipped`)
  console.log(`${total.passed} passed, ${total.failed} failed`)
  process.exit(total.failed > 0 ? 1 : 0)
}
