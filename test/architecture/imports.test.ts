import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../helpers/run-cli.js'

/**
 * The layering of docs/architecture.md, enforced on every import in src/ and emulator/: each layer
 * names the layers it may import (its own always allowed), and the packages only some layers may
 * use. Keep this table and the document in step.
 */
const MAY_IMPORT: Record<string, string[]> = {
  utils: [],
  errors: [],
  schemas: ['utils'],
  http: ['utils', 'errors'],
  config: ['schemas', 'utils', 'errors'],
  store: ['schemas', 'utils', 'errors'],
  daraja: ['http', 'schemas', 'utils', 'errors'],
  core: ['webhooks', 'daraja', 'store', 'config', 'http', 'schemas', 'utils', 'errors'],
  webhooks: ['core', 'daraja', 'store', 'config', 'http', 'schemas', 'utils', 'errors'],
  gateway: ['core', 'webhooks', 'daraja', 'store', 'config', 'http', 'schemas', 'utils', 'errors', 'emulator'],
  client: ['http', 'schemas', 'utils', 'errors'],
  emulator: ['http', 'schemas', 'utils'],
  services: ['cli', 'client', 'gateway', 'core', 'webhooks', 'daraja', 'store', 'config', 'http', 'schemas', 'utils', 'errors', 'emulator'],
  cli: ['services', 'client', 'config', 'schemas', 'utils', 'errors'],
  commands: ['cli', 'services', 'client', 'schemas', 'utils', 'errors'],
  index: ['gateway', 'client', 'webhooks', 'store', 'schemas', 'utils', 'errors'],
}

/** Packages that belong to one edge of the system. */
const PACKAGE_OWNERS: Array<{ pattern: RegExp; layers: string[]; why: string }> = [
  { pattern: /^h3(\/|$)/, layers: ['gateway'], why: 'inbound HTTP lives at the edge (the emulator answers on node:http itself)' },
  { pattern: /^node:http$|^http$/, layers: ['gateway', 'http', 'emulator'], why: 'inbound HTTP lives at the edge' },
  { pattern: /^undici(\/|$)/, layers: ['http'], why: 'one outbound HTTP path' },
  { pattern: /^(lowdb|pg)(\/|$)/, layers: ['store'], why: 'only the store touches storage engines' },
]

export interface Violation {
  file: string
  imports: string
  rule: string
}

/** The layer of a file (path relative to the repository), or undefined when it is in none. */
export function layerOf(file: string): string | undefined {
  const parts = file.split('/')
  if (parts[0] === 'emulator') return 'emulator'
  if (parts[0] !== 'src') return undefined
  if (parts.length === 2) return parts[1].replace(/\.(tsx?|js)$/, '')
  return parts[1]
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

/** Every rule a set of files (path relative to the repository → source) breaks. */
export function findViolations(files: Map<string, string>): Violation[] {
  const violations: Violation[] = []
  for (const [file, source] of files) {
    const from = layerOf(file)
    if (!from) continue
    const allowed = MAY_IMPORT[from]
    if (!allowed) {
      violations.push({ file, imports: '', rule: `layer "${from}" is not in the table` })
      continue
    }
    for (const match of source.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2]
      if (specifier.startsWith('.')) {
        const target = normalize(join(dirname(file), specifier))
        const to = layerOf(target)
        if (!to || to === from) continue
        if (!allowed.includes(to)) violations.push({ file, imports: specifier, rule: `${from} may not import ${to}` })
      } else {
        for (const owner of PACKAGE_OWNERS) {
          if (owner.pattern.test(specifier) && !owner.layers.includes(from)) {
            violations.push({ file, imports: specifier, rule: `${specifier} only in ${owner.layers.join(', ')}: ${owner.why}` })
          }
        }
      }
    }
  }
  return violations
}

function sourcesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (absolute: string) => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const path = join(absolute, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name)) out.set(relative(repoRoot, path), readFileSync(path, 'utf8'))
    }
  }
  walk(join(repoRoot, dir))
  return out
}

describe('architecture: imports point down (docs/architecture.md)', () => {
  it('no file in src/ or emulator/ breaks the layering', () => {
    const files = new Map([...sourcesUnder('src'), ...sourcesUnder('emulator')])
    expect(files.size).toBeGreaterThan(100)
    expect(findViolations(files)).toEqual([])
  })

  it('the check catches each kind of violation (it can fail)', () => {
    const files = new Map([
      ['src/core/bad.ts', "import { ApiError } from '../gateway/errors.js'\nimport type { X } from '../cli/x.js'"],
      ['src/client/bad.ts', "import type { EventType } from '../store/records.js'"],
      ['src/commands/bad.ts', "const m = await import('../store/lowdb-store.js')\nimport { H3 } from 'h3'"],
      ['emulator/bad.ts', "export { thing } from '../src/core/thing.js'"],
      ['src/webhooks/bad.ts', "import { request } from 'undici'"],
      ['src/core/fine.ts', "import { x } from './y.js'\nimport { z } from '../store/records.js'\nimport { a } from 'zod'"],
    ])
    expect(findViolations(files).map((v) => `${v.file} ${v.imports}`)).toEqual([
      'src/core/bad.ts ../gateway/errors.js',
      'src/core/bad.ts ../cli/x.js',
      'src/client/bad.ts ../store/records.js',
      'src/commands/bad.ts ../store/lowdb-store.js',
      'src/commands/bad.ts h3',
      'emulator/bad.ts ../src/core/thing.js',
      'src/webhooks/bad.ts undici',
    ])
  })
})
