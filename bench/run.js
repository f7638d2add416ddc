#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --json] [-- --profile]`: every figure of bench/README.md, taken
// side by side in one run. Servers run from dist/ (run `npm run build` first), each in its own
// process on loopback; the load comes from autocannon in yet another process (bench/load.js).
//
//   --quick    short runs (3 s each), finishes in well under a minute
//   --json     print one JSON object with the figures instead of the table
//   --profile  run the gateway under `node --cpu-prof` and print its hottest functions
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { summarizeProfile } from './lib/profile.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const here = (p) => join(root, 'bench', p)
const args = new Set(process.argv.slice(2))
const quick = args.has('--quick')
const asJson = args.has('--json')
const profile = args.has('--profile')
const log = (line) => process.stderr.write(`[bench] ${line}\n`)

const plan = quick
  ? { warmup: 1, duration: 3, cliRuns: 5, storeWrites: { 1000: 10, 10000: 5, 100000: 2 }, webhookPayments: 300 }
  : { warmup: 2, duration: 10, cliRuns: 15, storeWrites: { 1000: 30, 10000: 15, 100000: 5 }, webhookPayments: 2000 }
const CONNECTIONS = 50
const STK_BODY = { amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt' }

if (!existsSync(join(root, 'dist/src/gateway/create-gateway.js')) || !existsSync(join(root, 'dist/emulator/index.js'))) {
  process.stderr.write('bench: dist/ is missing. Run `npm run build` first (the bench measures the built package).\n')
  process.exit(1)
}

const children = new Set()
const work = mkdtempSync(join(tmpdir(), 'mpg-bench-'))
function cleanup() {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
process.on('exit', cleanup)
process.on('SIGINT', () => process.exit(130))

/**
 * Starts a node process and resolves with the JSON of its first stdout line. With `logFile`,
 * stdout goes to that file (the gateway's per-request log lines), as it would in production.
 */
function start(name, nodeArgs, { env = {}, logFile } = {}) {
  const out = logFile ? openSync(logFile, 'w') : 'pipe'
  const child = spawn(process.execPath, nodeArgs, {
    cwd: root,
    env: { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', CI: 'true', NO_COLOR: '1', NODE_ENV: 'production', ...env },
    stdio: ['ignore', out, 'pipe'],
  })
  children.add(child)
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (c) => (stderr = (stderr + c).slice(-4000)))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const ready = new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`${name} ${why}\n${stderr}`))
    child.once('exit', (code) => fail(`exited (${code}) before it was ready`))
    const timer = setTimeout(() => fail('was not ready within 20 s'), 20_000)
    const done = (line) => {
      clearTimeout(timer)
      try {
        resolve(JSON.parse(line))
      } catch {
        fail(`printed a first line that is not JSON: ${line.slice(0, 200)}`)
      }
    }
    if (logFile) {
      const poll = setInterval(() => {
        const text = readFileSync(logFile, 'utf8')
        const nl = text.indexOf('\n')
        if (nl >= 0) {
          clearInterval(poll)
          done(text.slice(0, nl))
        }
      }, 20)
      child.once('exit', () => clearInterval(poll))
    } else {
      let buffer = ''
      const onData = (chunk) => {
        buffer += chunk
        const nl = buffer.indexOf('\n')
        if (nl >= 0) {
          child.stdout.off('data', onData)
          child.stdout.resume()
          done(buffer.slice(0, nl))
        }
      }
      child.stdout.setEncoding('utf8').on('data', onData)
    }
  })
  return {
    child,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
      children.delete(child)
    },
  }
}

/** Runs autocannon in its own process (bench/load.js) and returns its figures. */
function load(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [here('load.js'), JSON.stringify({ connections: CONNECTIONS, warmup: plan.warmup, duration: plan.duration, ...config })], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.add(child)
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (c) => (out += c))
    child.stderr.setEncoding('utf8').on('data', (c) => (err += c))
    child.on('exit', (code) => {
      children.delete(child)
      if (code !== 0) return reject(new Error(`load generator failed (${code}): ${err}`))
      resolve(JSON.parse(out.trim().split('\n').pop()))
    })
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const percentile = (values, p) => {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}
const round = (value, digits = 2) => (value === null || value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits)

async function getJson(url, init) {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

/** A bare h3 POST handler with zod validation of the same body. */
async function benchBare() {
  log('bare h3 + zod handler …')
  const server = start('bare server', [here('servers/bare.js')])
  const { url } = await server.ready
  try {
    return await load({ url, path: '/api/v1/stk-push', headers: { 'content-type': 'application/json' }, body: STK_BODY })
  } finally {
    await server.stop()
  }
}

function darajaPassword(shortcode, passkey) {
  const now = new Date()
  const p = (n) => String(n).padStart(2, '0')
  const timestamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`
  return { timestamp, password: Buffer.from(`${shortcode}${passkey}${timestamp}`).toString('base64') }
}

/** STK pushes straight against the emulator (callbacks go to a local receiver). */
async function benchEmulator(receiverUrl) {
  log('emulator alone …')
  const emulator = start('emulator', [here('servers/emulator.js'), '100'])
  const { url, credentials } = await emulator.ready
  try {
    const basic = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString('base64')
    const token = await getJson(`${url}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: `Basic ${basic}` } })
    if (token.status !== 200) throw new Error(`emulator OAuth answered ${token.status}`)
    const { timestamp, password } = darajaPassword(credentials.shortcode, credentials.passkey)
    const body = {
      BusinessShortCode: credentials.shortcode,
      Password: password,
      Timestamp: timestamp,
      TransactionType: 'CustomerPayBillOnline',
      Amount: 100,
      PartyA: '254708374149',
      PartyB: credentials.shortcode,
      PhoneNumber: '254708374149',
      CallBackURL: `${receiverUrl}/daraja/stk`,
      AccountReference: 'ORDER-1234',
      TransactionDesc: 'T-shirt',
    }
    return await load({
      url,
      path: '/mpesa/stkpush/v1/processrequest',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token.body.access_token}` },
      body,
    })
  } finally {
    await emulator.stop()
  }
}

/** A gateway (`mpg serve`, lowdb store) on an emulator in another process. */
async function startGatewayPair(name, { profileDir, callbackDelayMs = 100 } = {}) {
  const emulator = start(`${name} emulator`, [here('servers/emulator.js'), String(callbackDelayMs)])
  const { url: emulatorUrl } = await emulator.ready
  const dataDir = join(work, `${name}-data`)
  const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const gateway = start(`${name} gateway`, [...nodeFlags, join(root, 'bin/run.js'), 'serve', '--port', '0', '--json', '--data-dir', dataDir], {
    // Rate limits off: the load generator is one key sending thousands of requests per second.
    env: { DARAJA_ENV: 'emulator', DARAJA_BASE_URL: emulatorUrl, MPG_RECONCILE_AFTER_S: '60', MPG_RATE_LIMIT: 'off' },
    logFile: join(work, `${name}-gateway.log`),
  })
  let ready
  try {
    ready = await gateway.ready
  } catch (error) {
    await emulator.stop()
    throw error
  }
  return {
    url: ready.url,
    key: ready.key,
    emulatorUrl,
    dataDir,
    async stop() {
      await gateway.stop()
      await emulator.stop()
    },
  }
}

/**
 * `pushPathOnly`: Daraja's callbacks are held back past the run (10 min delay), so the figure is
 * the gateway's own request path; otherwise every push also brings its STK callback, a B2C and
 * the B2C result into the same gateway during the run, as in production.
 */
async function benchGateway({ pushPathOnly = false } = {}) {
  log(`gateway (STK push, idempotency keys, lowdb${pushPathOnly ? ', callbacks held back' : ', with callbacks and payouts'}) …`)
  const profileDir = profile && !pushPathOnly ? join(root, 'bench/.profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined
  const pair = await startGatewayPair(pushPathOnly ? 'push-path' : 'throughput', { profileDir, callbackDelayMs: pushPathOnly ? 600_000 : 100 })
  let result
  try {
    result = await load({
      url: pair.url,
      path: '/api/v1/stk-push',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${pair.key}` },
      body: STK_BODY,
      idempotency: true,
    })
  } finally {
    await pair.stop()
  }
  const { loadDocument } = await import('../dist/src/store/document.js')
  const { doc: store } = await loadDocument(join(pair.dataDir, 'gateway.json'))
  result.stored_transactions = store.transactions.length
  result.store_bytes = statSync(join(pair.dataDir, 'gateway.json')).size
  if (profileDir) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'))
    result.profile = file ? { file: join(profileDir, file), top: summarizeProfile(join(profileDir, file), 15) } : null
  }
  return result
}

/**
 * Webhook delivery: N payments are left held at the emulator, a webhook endpoint points at the
 * local receiver, then all N are resolved at once; every payment.success is delivered. Throughput is
 * deliveries over the time from the first payment's final state to the last receipt; latency is
 * receipt time − the event's completed_at.
 */
async function benchWebhooks(receiverUrl) {
  log('webhook deliveries …')
  const pair = await startGatewayPair('webhooks')
  try {
    const auth = { authorization: `Bearer ${pair.key}`, 'content-type': 'application/json' }
    const endpoint = await getJson(`${pair.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: `${receiverUrl}/webhooks`, events: ['payment.success'] }),
    })
    if (endpoint.status === 404 || endpoint.status === 405) return { skipped: 'the gateway has no /api/v1/webhooks yet' }
    if (endpoint.status !== 201) return { skipped: `POST /api/v1/webhooks answered ${endpoint.status}: ${JSON.stringify(endpoint.body)}` }
    await fetch(`${receiverUrl}/__reset`, { method: 'POST' })

    const n = plan.webhookPayments
    const checkouts = []
    const push = async (i) => {
      const res = await getJson(`${pair.url}/api/v1/stk-push`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': `wh-${i}` },
        body: JSON.stringify({ ...STK_BODY, phone: '254700000008', reference: `WH-${i}` }),
      })
      if (res.status !== 201) throw new Error(`stk push answered ${res.status}: ${JSON.stringify(res.body)}`)
      checkouts.push(res.body.checkout_request_id)
    }
    await pool(n, 20, push)
    const resolvedAt = Date.now()
    await pool(n, 20, async (i) => {
      const res = await fetch(`${pair.emulatorUrl}/__emulator/stk/${checkouts[i]}/resolve`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ result_code: 0 }),
      })
      if (res.status !== 200) throw new Error(`resolve answered ${res.status}`)
      await res.arrayBuffer()
    })
    const deadline = Date.now() + 60_000
    let stats
    for (;;) {
      stats = (await getJson(`${receiverUrl}/__stats`)).body
      if (stats.count >= n || Date.now() > deadline) break
      await sleep(50)
    }
    // From the first payment's final state (its completed_at) to the last receipt.
    const firstFinal = stats.first_final_at ?? resolvedAt
    const seconds = Math.max(0.001, (stats.last_at - firstFinal) / 1000)
    return {
      payments: n,
      delivered: stats.count,
      duplicates: stats.duplicates,
      deliveries_per_s: stats.count / seconds,
      p50_ms: percentile(stats.latencies_ms, 50),
      p99_ms: percentile(stats.latencies_ms, 99),
    }
  } finally {
    await pair.stop()
  }
}

async function pool(count, width, task) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++)
    }),
  )
}

function benchStore() {
  const out = {}
  for (const [size, writes] of Object.entries(plan.storeWrites)) {
    log(`store writes at ${Number(size).toLocaleString('en-US')} transactions …`)
    const run = spawnSync(process.execPath, ['--max-old-space-size=4096', here('store-writes.js'), size, String(writes)], { cwd: root, encoding: 'utf8' })
    if (run.status !== 0) throw new Error(`store bench at ${size} failed: ${run.stderr}`)
    const r = JSON.parse(run.stdout.trim())
    out[size] = { median_ms: r.median_ms, max_stall_ms: r.max_stall_ms, file_mb: round(r.bytes / 1024 / 1024, 1), writes }
  }
  return out
}

async function benchCli() {
  log('CLI start-up …')
  // An ordinary command against a live gateway: `mpg transactions get` of a stored transaction.
  const gw = start('cli-gateway', [join(root, 'bin/run.js'), 'serve', '--port', '0', '--json'], { env: { MPG_DATA_DIR: join(work, 'cli-gateway') } })
  const { url, key } = await gw.ready
  const pushed = await fetch(`${url}/api/v1/stk-push`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(STK_BODY) })
  const { transaction_id: id } = await pushed.json()
  const cliEnv = { ...process.env, OCLIF_SKIP_NEW_VERSION_CHECK: 'true', MPG_BASE_URL: url, MPG_API_KEY: key, MPG_CONFIG_DIR: join(work, 'cli-config'), NO_COLOR: '1' }
  const time = (argv) => {
    const started = performance.now()
    const r = spawnSync(process.execPath, argv, { cwd: root, env: cliEnv, stdio: 'ignore' })
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`)
    return performance.now() - started
  }
  const version = [join(root, 'bin/run.js'), '--version']
  const get = [join(root, 'bin/run.js'), 'transactions', 'get', id]
  time(['-e', '0'])
  time(version)
  time(get)
  const cli = []
  const command = []
  const node = []
  // Interleaved, so a noisy moment costs all sides alike.
  for (let i = 0; i < plan.cliRuns; i++) {
    node.push(time(['-e', '0']))
    cli.push(time(version))
    command.push(time(get))
  }
  await gw.stop()
  return { cli_ms: median(cli), command_ms: median(command), node_ms: median(node) }
}

const started = Date.now()
const receiver = start('receiver', [here('servers/receiver.js')])
const { url: receiverUrl } = await receiver.ready

const bare = await benchBare()
const emulator = await benchEmulator(receiverUrl)
await sleep(300) // the emulator bench's last callbacks
const gateway = await benchGateway()
const pushPath = await benchGateway({ pushPathOnly: true })
const webhooks = await benchWebhooks(receiverUrl)
await receiver.stop()
const store = benchStore()
const cli = await benchCli()

const figures = {
  gateway_vs_bare_throughput: round(gateway.ok_per_s / bare.ok_per_s, 3),
  gateway_p99_ms: gateway.p99_ms,
  bare_p99_ms: bare.p99_ms,
  gateway_push_path_vs_bare_throughput: round(pushPath.ok_per_s / bare.ok_per_s, 3),
  gateway_push_path_p99_ms: pushPath.p99_ms,
  emulator_vs_bare_throughput: round(emulator.ok_per_s / bare.ok_per_s, 3),
  store_write_ms: store,
  webhook_deliveries_per_s: webhooks.skipped ? null : round(webhooks.deliveries_per_s, 0),
  webhook_p99_ms: webhooks.skipped ? null : webhooks.p99_ms,
  cli_version_vs_node: round(cli.cli_ms / cli.node_ms, 2),
  cli_command_vs_node: round(cli.command_ms / cli.node_ms, 2),
}
const targets = {
  gateway_vs_bare_throughput: { target: '>= 0.35', met: figures.gateway_vs_bare_throughput >= 0.35 },
  gateway_p99_ms: { target: '<= 25', met: figures.gateway_p99_ms <= 25 },
  emulator_vs_bare_throughput: { target: '>= 0.6', met: figures.emulator_vs_bare_throughput >= 0.6 },
  webhook_deliveries_per_s: { target: '>= 1000', met: figures.webhook_deliveries_per_s === null ? null : figures.webhook_deliveries_per_s >= 1000 },
  cli_version_vs_node: { target: '<= 2.0', met: figures.cli_version_vs_node <= 2.0 },
  cli_command_vs_node: { target: '<= 2.0', met: figures.cli_command_vs_node <= 2.0 },
}
const result = {
  ...figures,
  targets,
  details: {
    bare_req_per_s: round(bare.ok_per_s, 0),
    gateway_pushes_per_s: round(gateway.ok_per_s, 0),
    emulator_pushes_per_s: round(emulator.ok_per_s, 0),
    emulator_p99_ms: emulator.p99_ms,
    bare: bare,
    emulator: emulator,
    gateway: gateway,
    gateway_push_path: pushPath,
    webhooks,
    cli_version_ms: round(cli.cli_ms, 1),
    cli_command_ms: round(cli.command_ms, 1),
    node_e0_ms: round(cli.node_ms, 1),
  },
  run: {
    command: `npm run bench --${quick ? ' --quick' : ''}${asJson ? ' --json' : ''}${profile ? ' --profile' : ''}`.replace(/ --$/, ''),
    quick,
    connections: CONNECTIONS,
    duration_s: plan.duration,
    warmup_s: plan.warmup,
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    commit: gitCommit(),
    at: new Date().toISOString(),
    wall_s: round((Date.now() - started) / 1000, 1),
  },
}

function gitCommit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' })
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'emulator'], { cwd: root, encoding: 'utf8' })
  return r.status === 0 ? `${r.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}` : null
}

if (asJson) {
  process.stdout.write(`${JSON.stringify(result)}\n`)
} else {
  const mark = (t) => (t === null ? 'n/a' : t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED')
  const rows = [
    ['gateway_vs_bare_throughput', `${figures.gateway_vs_bare_throughput} (${result.details.gateway_pushes_per_s} / ${result.details.bare_req_per_s} req/s)`, '≥ 0.35', mark(targets.gateway_vs_bare_throughput)],
    ['gateway_p99_ms', `${figures.gateway_p99_ms}`, '≤ 25', mark(targets.gateway_p99_ms)],
    ['bare_p99_ms', `${figures.bare_p99_ms}`, '', ''],
    ['gateway_push_path_vs_bare_throughput', `${figures.gateway_push_path_vs_bare_throughput} (${round(pushPath.ok_per_s, 0)} req/s, callbacks held back)`, '', ''],
    ['gateway_push_path_p99_ms', `${figures.gateway_push_path_p99_ms}`, '', ''],
    ['emulator_vs_bare_throughput', `${figures.emulator_vs_bare_throughput} (${result.details.emulator_pushes_per_s} req/s, p99 ${emulator.p99_ms} ms)`, '≥ 0.6', mark(targets.emulator_vs_bare_throughput)],
    ...Object.entries(store).map(([size, s]) => [`store_write_ms @ ${Number(size).toLocaleString('en-US')}`, `median ${s.median_ms} ms, max stall ${s.max_stall_ms} ms (${s.file_mb} MB)`, '', '']),
    ['webhook_deliveries_per_s', webhooks.skipped ? `n/a (${webhooks.skipped})` : `${figures.webhook_deliveries_per_s} (${webhooks.delivered}/${webhooks.payments} delivered)`, '≥ 1,000', mark(targets.webhook_deliveries_per_s)],
    ['webhook_p99_ms', webhooks.skipped ? 'n/a' : `${figures.webhook_p99_ms}`, '', ''],
    ['cli_version_vs_node', `${figures.cli_version_vs_node} (${result.details.cli_version_ms} / ${result.details.node_e0_ms} ms)`, '≤ 2.0', mark(targets.cli_version_vs_node)],
    ['cli_command_vs_node', `${figures.cli_command_vs_node} (${result.details.cli_command_ms} / ${result.details.node_e0_ms} ms, mpg transactions get)`, '≤ 2.0', mark(targets.cli_command_vs_node)],
  ]
  const lines = ['| figure | value | target | |', '|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)]
  process.stdout.write(`${lines.join('\n')}\n\n`)
  process.stdout.write(
    `${result.run.command} — Node ${result.run.node}, ${result.run.cpus} × ${result.run.cpu_model}, ${CONNECTIONS} connections, ${plan.duration} s per run after ${plan.warmup} s warm-up, commit ${result.run.commit}, ${result.run.wall_s} s\n`,
  )
  if (gateway.non2xx || gateway.errors) process.stdout.write(`gateway: ${gateway.non2xx} non-2xx, ${gateway.errors} errors (${JSON.stringify(gateway.status_codes)})\n`)
  if (gateway.profile) {
    process.stdout.write(`\ngateway CPU profile: ${gateway.profile.file}\n`)
    for (const f of gateway.profile.top) process.stdout.write(`  ${String(f.self_pct).padStart(5)}%  ${f.name}  ${f.where}\n`)
  }
}
