#!/usr/bin/env node
// Gateway CPU per STK push of several builds side by side, Daraja's callbacks held back (the
// bench's push-path part): each build's `mpg serve` and emulator run for the whole sitting, and
// fixed-rate bursts of pushes go to each in turn (the order reversed every round), so a machine
// whose load drifts loads every build alike; flow-cpu.js runs one build per invocation instead.
// The gateway's CPU (user + system, /proc) per push over all bursts, and each burst's; and each
// burst's p99 (at a fixed rate of about half the maximum, the push path's p99 at half rate
// without the saturated run that sets the rate: --rate 1500 --burst 5). `--rate 0`: saturated
// bursts (50 connections, as the throughput figures are read), each burst's pushes per second too;
// the emulator's CPU per push is printed beside the server's (the figures divide their sums).
//
//   node bench/push-ab.js [--rate R] [--burst S] [--rounds K] ROOT [ROOT…]
//
// ROOT: a checkout with dist/, bin/ and bench/servers/ built (MPG_NO_BUNDLE=1 runs dist/src).
// `nokey:ROOT` sends that build's pushes without an Idempotency-Key (what the key's duties cost).
// `server:NAME@ROOT` runs bench/servers/NAME.js of ROOT instead of the gateway (reference, or
// reference-duties: the reference with the gateway's duties written plainly), on its own emulator;
// `server:reference-duties+key,log@ROOT` leaves those duties out (DUTIES_OFF, see that file).
// `ROOT#--flag#…` runs that build's server with those node flags. Prints one JSON line per build.
//
// `--cpu-prof DIR`: each server's CPU profile over its measured bursts only
// (bench/lib/profile-sampler.cjs), one DIR/NAME.cpuprofile.R per burst and DIR/NAME.json (its
// figures and those files), for bench/lib/profile-compare.js; `--alloc DIR` the same with V8's
// sampling heap profiler (bytes allocated, collected objects included). `--perf DIR`: `perf record`
// of each server over its bursts (on-CPU samples only, JS frames named through
// --perf-basic-prof-only-functions), to DIR/NAME.perf.R, read with `perf report -i FILE`. A V8
// profile counts a thread's time off a CPU in whatever frame it was in (a write that wakes the
// thread pool and loses the CPU to it); perf does not.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuMs, cpuSplitMs, median, round, sleep, start } from './lib/procs.js'
import { HELD_BACK_MS, RECONCILE_AFTER_SITTING, scratchDir, startEmulator, startGateway } from './lib/servers.js'
import { optionTaker } from './lib/options.js'

const argv = process.argv.slice(2)
const option = optionTaker(argv)
const rate = Number(option('--rate', 2000))
const burst = Number(option('--burst', 2))
const rounds = Number(option('--rounds', 8))
const cpuDir = option('--cpu-prof', '')
const allocDir = option('--alloc', '')
if (cpuDir && allocDir) throw new Error('--cpu-prof or --alloc, not both (one SIGUSR2)')
const profileDir = cpuDir || allocDir
const sampler = allocDir ? { kind: 'alloc', ext: 'heapprofile', interval: '1024' } : { kind: 'cpu', ext: 'cpuprofile', interval: '250' }
const perfDir = option('--perf', '')
if (argv.length === 0) throw new Error('name at least one build root')
const loadScript = fileURLToPath(new URL('load.js', import.meta.url))

const work = scratchDir('mpg-push-ab-')

const builds = []
for (const [i, arg] of argv.entries()) {
  const at = arg.startsWith('server:') ? arg.indexOf('@') : -1
  const [server, off = ''] = at > 0 ? arg.slice('server:'.length, at).split('+') : []
  // `ROOT#--flag#--flag`: node flags for that build's server (a V8 setting tried on one build).
  const [rest, ...serverFlags] = (at > 0 ? arg.slice(at + 1) : arg).split('#')
  const key = !rest.startsWith('nokey:')
  const root = key ? rest : rest.slice('nokey:'.length)
  const emulator = startEmulator(root, { callbackDelayMs: HELD_BACK_MS })
  const { url: emulatorUrl, credentials } = await emulator.ready
  const name = `${server ? `${server}${off ? `+${off}` : ''}@` : ''}${key ? '' : 'nokey:'}${basename(root)}${serverFlags.map((f) => ` ${f}`).join('')}`
  const fileName = `${i}-${name.replace(/[^\w.+-]+/g, '_')}`
  const profileFile = profileDir ? join(profileDir, `${fileName}.${sampler.ext}`) : undefined
  const nodeFlags = [...serverFlags, ...(profileFile ? ['--require', fileURLToPath(new URL('lib/profile-sampler.cjs', import.meta.url))] : []), ...(perfDir ? ['--perf-basic-prof-only-functions'] : [])]
  const perfFile = perfDir ? join(perfDir, `${fileName}.perf`) : undefined
  const profileEnv = profileFile ? { MPG_PROFILE_FILE: profileFile, MPG_PROFILE_KIND: sampler.kind, MPG_PROFILE_INTERVAL: sampler.interval } : {}
  const gateway = server
    ? start(server, [...nodeFlags, join(root, `bench/servers/${server}.js`), JSON.stringify({ emulatorUrl, credentials, file: join(work, `${server}-${i}.journal`) })], { cwd: root, env: { DUTIES_OFF: off, ...profileEnv } })
    : startGateway(root, {
        dataDir: join(work, `data-${i}`),
        logFile: join(work, `gateway-${i}.log`),
        emulatorUrl,
        nodeFlags,
        // A sitting outlasts 60 s: the reconciler's queries would count as the push path's CPU.
        env: { ...RECONCILE_AFTER_SITTING, ...profileEnv },
      })
  // The reference prints no key: its pushes go without Authorization and Idempotency-Key.
  const { url, key: apiKey } = await gateway.ready
  builds.push({ name, key: key && apiKey !== undefined, url, apiKey, gateway, emulator, profileFile, perfFile, emulatorMs: 0, rates: [], ms: 0, pushes: 0, user: 0, sys: 0, bursts: [], p99s: [] })
}

/** bench/load.js at the fixed rate against one build; resolves with its figures. */
function load(build, duration) {
  const config = {
    url: build.url,
    path: '/api/v1/stk-push',
    headers: { 'content-type': 'application/json', ...(build.apiKey ? { authorization: `Bearer ${build.apiKey}` } : {}) },
    body: { amount: 100, phone: '254708374149', reference: 'ORDER-1234', description: 'T-shirt' },
    idempotency: build.key,
    connections: 50,
    warmup: 0,
    duration,
    rate,
    // An even pace, as the half-rate figures are read (bench/lib/paced.js).
    paced: true,
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadScript, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`load generator exited ${code}`))))
  })
}

for (const build of builds) await load(build, 3)
await sleep(1000)
if (profileDir) mkdirSync(profileDir, { recursive: true })
if (perfDir) mkdirSync(perfDir, { recursive: true })
for (let r = 0; r < rounds; r++) {
  for (const build of r % 2 ? [...builds].reverse() : builds) {
    const before = cpuSplitMs(build.gateway.pid)
    const emulatorBefore = cpuMs(build.emulator.pid)
    // The profile covers the bursts (and their 300 ms after) alone: the profiler runs only then.
    if (build.profileFile) build.gateway.child.kill('SIGUSR2')
    const perf = build.perfFile ? spawn('perf', ['record', '-q', '-F', '1999', '-g', '-p', String(build.gateway.pid), '-o', `${build.perfFile}.${r}`], { stdio: 'ignore' }) : undefined
    if (perf) await sleep(200)
    const { requests_total: n, p99_ms: p99 } = await load(build, burst)
    // The last answers' log lines and any flush in progress.
    await sleep(300)
    const after = cpuSplitMs(build.gateway.pid)
    build.emulatorMs += cpuMs(build.emulator.pid) - emulatorBefore
    build.rates.push(n / burst)
    if (perf) {
      perf.kill('SIGINT')
      await new Promise((resolve) => perf.once('exit', resolve))
    }
    if (build.profileFile) {
      // Stopped after the CPU is read (writing the profile is not a push's); one file per burst.
      build.gateway.child.kill('SIGUSR2')
      // The sampler puts the file in place whole.
      while (!existsSync(build.profileFile)) await sleep(100)
      const part = `${build.profileFile}.${r}`
      renameSync(build.profileFile, part)
      ;(build.profiles ??= []).push(part)
    }
    const user = after.user - before.user
    const sys = after.sys - before.sys
    build.user += user
    build.sys += sys
    build.pushes += n
    build.bursts.push((user + sys) / n)
    build.p99s.push(p99)
  }
}
for (const b of builds) {
  const line = {
    build: b.name,
    pushes: b.pushes,
    gateway_cpu_ms_per_push: round((b.user + b.sys) / b.pushes, 4),
    user_ms: round(b.user / b.pushes, 4),
    sys_ms: round(b.sys / b.pushes, 4),
    emulator_cpu_ms_per_push: round(b.emulatorMs / b.pushes, 4),
    median_burst_ms: round(median(b.bursts), 4),
    // Pushes answered per second of burst: the saturated throughput with --rate 0.
    median_burst_per_s: Math.round(median(b.rates)),
    bursts_ms: b.bursts.map((x) => round(x, 3)),
    median_burst_p99_ms: median(b.p99s),
    bursts_p99_ms: b.p99s,
    loadavg_1m_at_end: round(loadavg()[0], 2),
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
  if (b.profileFile) writeFileSync(b.profileFile.replace(/\.\w+$/, '.json'), JSON.stringify({ ...line, profiles: b.profiles }))
}
for (const b of builds) {
  await b.gateway.stop()
  await b.emulator.stop()
}
process.exit(0)
