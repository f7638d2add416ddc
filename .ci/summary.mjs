// Prints the closing line CI reads ("N passed, N failed") from the vitest JSON reports of the
// suites .ci/run expected to run. Every suite is named explicitly, so a suite that never wrote its
// report (the build or the type check failed first) counts as a failure instead of vanishing.
//
//   node .ci/summary.mjs fast=<report.json>@<exit status> slow=skipped:<reason> …
//
// A suite fails when its report is missing or unreadable, when a test failed, when a file failed
// without a failing test (a failing beforeAll/afterAll, an import error), when the report says it
// did not succeed, when vitest exited non-zero although its report shows no failure (an unhandled
// error: vitest's JSON report does not list those), or when it ran no test at all.
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

/** Counts of one suite, with one note per reason it failed or was not run. */
export function summariseSuite(suite, read = (path) => readFileSync(path, 'utf8')) {
  const out = { passed: 0, failed: 0, skipped: 0, notes: [] }
  if (suite.skipped !== undefined) {
    out.notes.push(`${suite.name}: not run (${suite.skipped})`)
    return out
  }
  let report
  try {
    report = JSON.parse(read(suite.report))
  } catch (error) {
    out.failed = 1
    const why = error?.code === 'ENOENT' ? 'no report' : 'unreadable report'
    out.notes.push(`${suite.name}: ${why} (${suite.report}): the build, the type check or vitest failed before writing it`)
    return out
  }
  out.passed = report.numPassedTests ?? 0
  out.failed = report.numFailedTests ?? 0
  out.skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
  if (out.failed > 0) out.notes.push(`${suite.name}: ${out.failed} failing test${out.failed === 1 ? '' : 's'}`)
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length
    if (file.status === 'failed' && failedTests === 0) {
      out.failed++
      out.notes.push(`${suite.name}: ${file.name} failed outside its tests (a hook or the file itself)${file.message ? `: ${file.message}` : ''}`)
    }
  }
  const countedHere = () => out.failed > 0
  if (!countedHere() && (report.success === false || (report.numFailedTestSuites ?? 0) > 0)) {
    out.failed++
    out.notes.push(`${suite.name}: the report says the run did not succeed (${report.numFailedTestSuites ?? 0} failed suites)`)
  }
  if (!countedHere() && suite.exit !== undefined && suite.exit !== 0) {
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
  const total = { passed: 0, failed: 0, skipped: 0, notes: [] }
  for (const arg of args) {
    const s = summariseSuite(parseSuiteArg(arg), read)
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
  let total
  try {
    total = summarise(process.argv.slice(2))
  } catch (error) {
    console.log(`summary: ${error.message}`)
    total = { passed: 0, failed: 1, skipped: 0, notes: [] }
  }
  for (const note of total.notes) console.log(note)
  console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`)
  process.exit(total.failed > 0 ? 1 : 0)
}
