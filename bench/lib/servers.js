// The bench's Daraja emulator and gateway processes, started one way for every script: the
// emulator (bench/servers/emulator.js) in its own process, `mpg serve` of a build on it with a data
// dir of its own, and, for the full flow, a webhook receiver (bench/servers/receiver.js) with one
// endpoint on the gateway. Each is ready when it has printed its JSON first line (bench/lib/procs.js).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getJson, killChildren, start } from './procs.js'

/** Callback delay that holds Daraja's callbacks back past any run: the push path alone. */
export const HELD_BACK_MS = 600_000

/**
 * The delivery lanes of the bench's full flow and worker parts: the default (4 per endpoint, 16 per
 * account) protects a merchant's endpoint and would cap the back half of the flow below what the
 * gateway can do, with one receiver taking every delivery.
 */
export const WIDE_WEBHOOK_LANES = { MPG_WEBHOOK_CONCURRENCY_PER_ENDPOINT: '64', MPG_WEBHOOK_CONCURRENCY_PER_ACCOUNT: '64' }

/**
 * The gateway's env for a sitting that holds callbacks back for longer than the bench's 60 s of
 * MPG_RECONCILE_AFTER_S: past it the reconciler asks STK Query about every push still pending, five
 * at a time, and that work falls in the measured windows (bench/push-ab.js, bench/crossing.js).
 */
export const RECONCILE_AFTER_SITTING = { MPG_RECONCILE_AFTER_S: '600' }

/**
 * A directory for a script's server files (data dirs, logs) under the system's temp dir, named
 * `prefix` and six random characters. When the script exits (its end, process.exit, an uncaught
 * error), every child it started is killed and the directory removed.
 */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.on('exit', () => {
    killChildren()
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

const named = (prefix, what) => (prefix ? `${prefix} ${what}` : what)

/**
 * The emulator of build `root` (its bench/servers/emulator.js and dist/), callbacks `callbackDelayMs`
 * after each push. `nodeFlags` go before the script (--cpu-prof, --require). Resolves `ready` with
 * {url, credentials}.
 */
export function startEmulator(root, { callbackDelayMs = 100, name, nodeFlags = [], env = {} } = {}) {
  return start(named(name, 'emulator'), [...nodeFlags, join(root, 'bench/servers/emulator.js'), String(callbackDelayMs)], { cwd: root, env })
}

/**
 * `mpg serve` of build `root` on `dataDir`, its stdout (a line per request) to `logFile`. Daraja is
 * the emulator at `emulatorUrl`, or without one the emulator `mpg serve` runs inside the gateway
 * itself (callbacks `callbackDelayMs` after each push). Rate limits off: the load generator is one key
 * sending thousands of requests per second. `env` is added last and wins. Resolves `ready` with
 * {url, key}.
 */
export function startGateway(root, { dataDir, logFile, emulatorUrl, callbackDelayMs = 100, name, nodeFlags = [], env = {} }) {
  const gateway = start(named(name, 'gateway'), [...nodeFlags, join(root, 'bin/run.js'), 'serve', '--port', '0', '--json', '--data-dir', dataDir], {
    cwd: root,
    env: {
      DARAJA_ENV: 'emulator',
      ...(emulatorUrl ? { DARAJA_BASE_URL: emulatorUrl } : { MPG_EMULATOR_CALLBACK_DELAY_MS: String(callbackDelayMs) }),
      MPG_RECONCILE_AFTER_S: '60',
      MPG_RATE_LIMIT: 'off',
      ...env,
    },
    logFile,
  })
  // `mpg serve --json` that cannot start prints its error as a JSON first line too, then exits.
  const ready = gateway.ready.then((line) => {
    if (typeof line?.url !== 'string') throw new Error(`${named(name, 'gateway')} did not start: ${JSON.stringify(line)}`)
    return line
  })
  return { ...gateway, ready }
}

/**
 * An emulator and a gateway on it, started in that order and each waited for; with `webhooks`, then
 * a receiver and one endpoint on the gateway for `webhooks.events` (every event type when not
 * given). Files go in `work`: the data dir `NAME-data` and the log `NAME-gateway.log` (`data` and
 * `gateway.log` without a name). `emulator: 'in-process'` starts none: `mpg serve`'s own.
 * `nodeFlags` go to the gateway, `emulatorNodeFlags` to the emulator; `emulatorRoot` runs another
 * build's emulator than the gateway's. Whatever started is stopped again if a later step fails.
 *
 * Resolves with {url, key, emulatorUrl, credentials, receiverUrl, dataDir, processes: {name: pid},
 * gateway, emulator, receiver, stop}; stop() ends the gateway first, then the emulator and the
 * receiver, so nothing the gateway is still sending meets a closed port.
 */
export async function startGatewayPair(root, { work, name, emulator: where = 'process', emulatorRoot = root, callbackDelayMs = 100, nodeFlags = [], emulatorNodeFlags = [], env = {}, webhooks } = {}) {
  const started = []
  const stop = async () => {
    for (const server of started) await server.stop()
  }
  try {
    const emulator = where === 'process' ? startEmulator(emulatorRoot, { callbackDelayMs, name, nodeFlags: emulatorNodeFlags }) : undefined
    if (emulator) started.push(emulator)
    const { url: emulatorUrl, credentials } = emulator ? await emulator.ready : {}
    const dataDir = join(work, name ? `${name}-data` : 'data')
    const gateway = startGateway(root, { dataDir, logFile: join(work, name ? `${name}-gateway.log` : 'gateway.log'), emulatorUrl, callbackDelayMs, name, nodeFlags, env })
    started.unshift(gateway)
    const { url, key } = await gateway.ready
    const processes = { gateway: gateway.pid, ...(emulator ? { emulator: emulator.pid } : {}) }
    let receiver
    let receiverUrl
    if (webhooks) {
      receiver = start(named(name, 'receiver'), [join(root, 'bench/servers/receiver.js')], { cwd: root })
      started.push(receiver)
      receiverUrl = (await receiver.ready).url
      const endpoint = await getJson(`${url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ url: `${receiverUrl}/webhooks`, ...(webhooks.events ? { events: webhooks.events } : {}) }),
      })
      if (endpoint.status !== 201) throw new Error(`POST /api/v1/webhooks answered ${endpoint.status}: ${JSON.stringify(endpoint.body)}`)
      processes.receiver = receiver.pid
    }
    return { url, key, emulatorUrl, credentials, receiverUrl, dataDir, processes, gateway, emulator, receiver, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
