import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../src/cli/exit-codes.js'
import { gatewayEnvSchema } from '../../src/config/gateway-config.js'
import { routes } from '../../src/gateway/routes/index.js'

/**
 * The README's reference tables against the code they describe: a newcomer reads the table, not
 * the source, so a setting, default, route or exit code that moved must move in the README too.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

/** The rows of the first Markdown table after the line that starts with `marker`, as trimmed cells. */
function tableAfter(marker: string): string[][] {
  const start = readme.indexOf(`\n${marker}`)
  if (start < 0) throw new Error(`README.md has no line starting "${marker}"`)
  const lines = readme.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break
    rows.push(line.slice(1, -1).split(' | ').map((cell) => cell.trim()))
  }
  return rows.slice(2) // the header and its rule
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])

describe('README "Configuration" table', () => {
  const rows = tableAfter('### Configuration\n')
  const documented = new Map<string, { row: string[]; index: number }>()
  for (const row of rows) {
    const names = codeSpans(row[0]).filter((span) => /^[A-Z][A-Z0-9_]+$/.test(span))
    names.forEach((name, index) => documented.set(name, { row, index }))
  }
  const shape = gatewayEnvSchema.shape as Record<string, { def: { type: string; defaultValue?: unknown } }>

  it('lists every variable the gateway reads, and only those', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(shape).sort())
  })

  it('states each default the gateway applies', () => {
    const wrong: string[] = []
    for (const [name, field] of Object.entries(shape)) {
      if (field.def.type !== 'default' || !documented.has(name)) continue
      const { row, index } = documented.get(name)!
      const value = field.def.defaultValue
      const expected = Array.isArray(value) ? value.join(',') : String(value)
      // One default per variable of the row, in the same order: `8787, 127.0.0.1` for `PORT`, `HOST`.
      const stated = (row[1].split(/,\s+/)[index] ?? '').replaceAll('`', '')
      if (!stated.startsWith(expected)) wrong.push(`${name}: README says "${stated}", the code ${expected}`)
    }
    expect(wrong).toEqual([])
  })
})

describe('README API table', () => {
  const normalise = (method: string, path: string) => `${method} ${path.replace(/\?.*$/, '').replace(/:[A-Za-z]+/g, ':')}`

  it('lists every route the gateway serves, and only those', () => {
    const documented = new Set<string>()
    for (const row of tableAfter('**API reference.**')) {
      for (const span of codeSpans(row[0])) {
        const match = /^([A-Z/]+) (\/\S*)$/.exec(span)
        if (match) for (const method of match[1].split('/')) documented.add(normalise(method, match[2]))
      }
    }
    // The dashboard's own files (`/dashboard/`, its assets) are one row: `GET /dashboard`.
    const served = routes.filter((route) => !route.path.startsWith('/dashboard/')).map((route) => normalise(route.method, route.path))
    expect([...documented].sort()).toEqual([...new Set(served)].sort())
  })
})

describe('README "Exit codes" table', () => {
  it('matches the codes mpg exits with', () => {
    const rows = tableAfter('## Exit codes\n').map((row) => [row[1], Number(row[0])] as const)
    expect(Object.fromEntries(rows)).toEqual(ExitCode)
  })
})
