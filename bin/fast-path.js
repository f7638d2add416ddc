// Loads the CLI's fast path (src/cli/fast-path.ts, bundled by scripts/bundle.mjs into one CommonJS
// file of ~220 KB) through node:vm with V8's code cache for it, written at build time beside it
// after a warm-up run, so that neither the module nor the functions a command runs are compiled
// again on every start (Node 20 has no code cache of its own for user code). A cache V8 does not
// accept (another Node version) is ignored, and replaced after the command with one it accepts.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
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
  return { fastPath: module.exports, script, cacheUsable: cachedData !== undefined && !script.cachedDataRejected }
}

function writeCache(script) {
  // Whole or not at all: another `mpg` may be reading it right now.
  const partial = `${cacheFile}.${process.pid}`
  writeFileSync(partial, script.createCachedData())
  renameSync(partial, cacheFile)
}

/** The exit code of a command the fast path ran, or false when it leaves the invocation to oclif. */
export async function runFastPath(argv) {
  const { fastPath, script, cacheUsable } = load()
  const code = await fastPath.runFastPath(argv)
  if (!cacheUsable && code !== false) {
    try {
      writeCache(script)
    } catch {
      // A read-only install: start without a cache, as before.
    }
  }
  return code
}

/**
 * Build step: the code cache of the fast path once it has run what a command runs: each form of
 * `transactions get` and `list` (text, --json, an error answer), answered here without a network.
 */
export async function writeCodeCache() {
  const { fastPath, script } = load()
  const transaction = {
    id: 'warm-up',
    reference: 'ORDER-1',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status: 'success',
    mpesa_receipt_number: 'QK00000000',
    result_code: '0',
    result_desc: 'The service request is processed successfully.',
    completed_at: '2026-01-01T00:00:05.000Z',
    phone: '254708374149',
    description: 'Warm-up',
    mode: 'test',
    created_at: '2026-01-01T00:00:00.000Z',
    merchant_request_id: 'm-1',
    checkout_request_id: 'ws_CO_1',
    payout: null,
  }
  const answer = (status, body) => ({ status, headers: {}, body: JSON.stringify(body), truncated: false, durationMs: 0 })
  const send = async (req) => {
    const path = new URL(req.url).pathname
    if (path === '/api/v1/transactions') return answer(200, { data: [transaction], has_more: true, next_cursor: transaction.id })
    if (path.endsWith('/warm-up')) return answer(200, { transaction })
    return answer(404, { error: 'Transaction not found', hint: 'Check the id.', detail: '' })
  }
  const sink = { write: () => true }
  const env = { MPG_BASE_URL: 'http://127.0.0.1:8787', MPG_API_KEY: 'mpg_test_warmup', MPG_CONFIG_DIR: dirname(file) }
  const runs = [
    [['transactions', 'get', 'warm-up'], 0],
    [['transactions', 'get', 'warm-up', '--json'], 0],
    [['transactions', 'get', 'missing'], 6],
    [['transactions', 'get', 'missing', '--json'], 6],
    [['transactions', 'list', '--status', 'success', '--limit', '5'], 0],
    [['transactions', 'list', '--json'], 0],
  ]
  for (const [argv, expected] of runs) {
    const code = await fastPath.runFastPath(argv, { env, stdout: sink, stderr: sink, send })
    if (code !== expected) throw new Error(`code-cache warm-up: ${argv.join(' ')} exited ${code}, not ${expected}`)
  }
  writeCache(script)
}
