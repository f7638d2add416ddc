// Loads the CLI's fast path (src/cli/fast-path.ts, bundled by scripts/bundle.mjs into one CommonJS
// file) through node:vm with V8's code cache for it, written at build time beside it: the ~1 MB
// it needs (zod, undici, the client) is then not compiled again on every start. A cache V8 does
// not accept (another Node version) is ignored and the file compiles as usual.
import { readFileSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import vm from 'node:vm'

const file = fileURLToPath(new URL('../dist/bundle/fast.cjs', import.meta.url))
const cacheFile = `${file}.cache`

function load() {
  let cachedData
  try {
    cachedData = readFileSync(cacheFile)
  } catch {
    // no cache: compile as usual
  }
  const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData })
  const module = { exports: {} }
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file))
  return { fastPath: module.exports, script }
}

/** The exit code of a command the fast path ran, or false when it leaves the invocation to oclif. */
export function runFastPath(argv) {
  return load().fastPath.runFastPath(argv)
}

/** Build step: the code cache of the fast path, once its modules have run. */
export function writeCodeCache() {
  const { script } = load()
  writeFileSync(cacheFile, script.createCachedData())
}
