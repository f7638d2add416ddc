// A hash of everything `npm run build` reads, so `npm start` can tell whether dist/ is current
// without trusting file times (a checkout or a pull sets them arbitrarily).
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('..', import.meta.url))
export const stampFile = join(root, 'dist', '.inputs-hash')

// The build's own scripts count too: a change to how the bundles are made is a change to dist/.
const INPUTS = ['src', 'emulator', 'dashboard', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/bundle.mjs', 'scripts/write-openapi.mjs', 'scripts/sort-manifest.mjs', 'bin/fast-path.js']
const SKIP = new Set(['node_modules', 'dist', '.git'])

function files(path) {
  if (!existsSync(path)) return []
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path)
    .filter((name) => !SKIP.has(name))
    .sort()
    .flatMap((name) => files(join(path, name)))
}

export function inputsHash() {
  const hash = createHash('sha256')
  for (const file of INPUTS.flatMap((p) => files(join(root, p)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0')
  }
  return hash.digest('hex')
}
