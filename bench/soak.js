// The soak: `npm run bench -- --soak --minutes N --rate R [--json] [--out DIR]`.
// Drives STK pushes at a fixed arrival rate (open loop: a push is sent on schedule whether or not
// the earlier ones were answered) through the full flow — Daraja is the emulator in its own process
// calling back 100 ms later, every payment pays out by B2C, a webhook endpoint on a local receiver
// gets every event, and an SSE client follows the event stream — for N minutes. Every 10 s it
// samples the gateway process (RSS, V8 heap, open descriptors, event-loop delay, GC, CPU) and the
// pushes answered in that window (p50/p99). Then it waits for the work to drain, checks that every
// payment, payout, delivery and stream event is accounted for exactly once, restarts `mpg serve`
// on the resulting store (timed to its ready line), and writes the samples (CSV) and a chart (SVG).
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync, writeFileSync } from 'node:fs'
import { loadavg, cpus } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { cpuMs, getJson, percentile, round, sleep, start as startProcess } from './lib/procs.js'
import { scratchDir, startEmulator, startGateway } from './lib/servers.js'
import { linePanels } from './lib/svg.js'

const SAMPLE_MS = 10_000
const STK_BODY = { amount: 100, phone: '254708374149', description: 'T-shirt' }

function option(argv, name, fallback) {
  const i = argv.indexOf(name)
  if (i < 0) return fallback
  const value = Number(argv[i + 1])
  if (!(value > 0)) throw new Error(`${name} needs a positive number (e.g. ${name} ${fallback})`)
  return value
}

/** RSS of a process from /proc (MiB); null once it is gone. */
function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? round(Number(m[1]) / 1024, 1) : null
  } catch {
    return null
  }
}

function openFds(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return null
  }
}

function storeMb(dataDir) {
  const bytes = ['gateway.json', 'gateway.journal'].reduce((sum, f) => sum + (existsSync(join(dataDir, f)) ? statSync(join(dataDir, f)).size : 0), 0)
  return round(bytes / 1048576, 1)
}

/** The probe's lines (bench/lib/probe.js) written so far. */
function probeLines(file) {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
}

export async function soak({ root, argv, asJson, log }) {
  const minutes = option(argv, '--minutes', 10)
  const rate = option(argv, '--rate', 100)
  const outIndex = argv.indexOf('--out')
  const outDir = outIndex >= 0 ? argv[outIndex + 1] : join(root, 'bench', 'results')
  const work = scratchDir('mpg-soak-')
  const start = (name, nodeArgs, options = {}) => startProcess(name, nodeArgs, { cwd: root, ...options })
  const loadavgAtStart = round(loadavg()[0], 2)
  const cores = cpus().length
  log(`soak: ${minutes} min at ${rate} pushes/s through the full flow (load average ${loadavgAtStart} on ${cores} cores) …`)

  const receiver = start('receiver', [join(root, 'bench/servers/receiver.js')])
  const emulator = startEmulator(root, { callbackDelayMs: 100 })
  const [{ url: receiverUrl }, { url: emulatorUrl }] = await Promise.all([receiver.ready, emulator.ready])
  const dataDir = join(work, 'data')
  const probeFile = join(work, 'probe.ndjson')
  // Node/V8 options for the gateway process alone (to compare GC settings; none by default).
  const gatewayEnv = process.env.MPG_SOAK_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.MPG_SOAK_GATEWAY_NODE_OPTIONS } : {}
  // The gateway, and again on the same data dir for the restart: each under bench/lib/probe.js.
  const serve = (name, env = {}) =>
    startGateway(root, { name: name === 'gateway' ? undefined : name, dataDir, logFile: join(work, `${name}.log`), emulatorUrl, nodeFlags: ['--import', join(root, 'bench/lib/probe.js')], env: { ...gatewayEnv, ...env } })
  const gateway = serve('gateway', { MPG_BENCH_PROBE_FILE: probeFile, MPG_BENCH_PROBE_MS: String(SAMPLE_MS) })
  const { url, key } = await gateway.ready
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }

  const endpoint = await getJson(`${url}/api/v1/webhooks`, { method: 'POST', headers: auth, body: JSON.stringify({ url: `${receiverUrl}/webhooks` }) })
  if (endpoint.status !== 201) throw new Error(`POST /api/v1/webhooks answered ${endpoint.status}: ${JSON.stringify(endpoint.body)}`)
  await getJson(`${receiverUrl}/__secret`, { method: 'POST', body: JSON.stringify({ secret: endpoint.body.secret ?? endpoint.body.webhook?.secret }) })

  // The stream, through the SDK's client (it resumes with Last-Event-ID after a drop).
  const { GatewayClient } = await import('../dist/src/index.js')
  const client = new GatewayClient({ baseUrl: url, apiKey: key })
  const streamed = new Map() // event id → {type, transaction, times}
  let reconnects = 0
  const streamStop = new AbortController()
  const streaming = (async () => {
    try {
      for await (const item of client.streamEvents({ signal: streamStop.signal })) {
        if (item.type === 'reconnecting') reconnects++
        if (item.type !== 'event') continue
        const known = streamed.get(item.id)
        if (known) known.times++
        else streamed.set(item.id, { type: item.event, transaction: JSON.parse(item.data).data?.transaction_id ?? null, times: 1 })
      }
    } catch (error) {
      if (!streamStop.signal.aborted) throw error
    }
  })()

  // Open loop: each push is sent at its scheduled time, answered or not.
  const pushes = [] // {i, status, transaction}
  let sent = 0
  let inFlight = 0
  let window = { latencies: [], ok: 0, failed: 0 }
  const samples = []
  const fire = (i) => {
    inFlight++
    const t0 = performance.now()
    fetch(`${url}/api/v1/stk-push`, {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': `soak-${i}` },
      body: JSON.stringify({ ...STK_BODY, reference: `SOAK-${i}` }),
    })
      .then(async (res) => {
        const body = await res.json().catch(() => null)
        window.latencies.push(performance.now() - t0)
        if (res.status === 201) window.ok++
        else window.failed++
        pushes.push({ i, status: res.status, transaction: body?.transaction_id ?? null })
      })
      .catch((error) => {
        window.failed++
        pushes.push({ i, status: 0, error: error.cause?.code ?? error.message })
      })
      .finally(() => inFlight--)
  }

  const gatewayPid = gateway.pid
  const loadStart = Date.now()
  const durationMs = minutes * 60_000
  let lastCpu = cpuMs(gatewayPid)
  let lastSampleAt = performance.now()
  const takeSample = (phase) => {
    const now = performance.now()
    const cpu = cpuMs(gatewayPid)
    const probe = probeLines(probeFile).at(-1) ?? {}
    const w = window
    window = { latencies: [], ok: 0, failed: 0 }
    const sample = {
      t_s: round((Date.now() - loadStart) / 1000, 1),
      phase,
      sent,
      answered_2xx: w.ok,
      failed: w.failed,
      in_flight: inFlight,
      p50_ms: round(percentile(w.latencies, 50), 1),
      p99_ms: round(percentile(w.latencies, 99), 1),
      max_ms: round(w.latencies.length ? Math.max(...w.latencies) : null, 1),
      rss_mb: rssMb(gatewayPid),
      heap_used_mb: probe.heap_used_mb ?? null,
      external_mb: probe.external_mb ?? null,
      open_fds: openFds(gatewayPid),
      loop_delay_max_ms: probe.loop_delay_max_ms ?? null,
      loop_delay_p99_ms: probe.loop_delay_p99_ms ?? null,
      loop_delay_max_on_cpu_ms: probe.loop_delay_max_on_cpu_ms ?? null,
      loop_delay_max_main_thread_on_cpu_ms: probe.loop_delay_max_main_thread_on_cpu_ms ?? null,
      gc_max_ms: probe.gc_max_ms ?? null,
      gc_max_kind: probe.gc_max_kind ?? null,
      gateway_cpu_pct: cpu === null || lastCpu === null ? null : round(((cpu - lastCpu) / (now - lastSampleAt)) * 100, 1),
      store_mb: storeMb(dataDir),
      stream_events: streamed.size,
      loadavg_1m: round(loadavg()[0], 2),
    }
    lastCpu = cpu
    lastSampleAt = now
    samples.push(sample)
    log(`  ${sample.t_s} s: ${sample.answered_2xx} ok, p50/p99 ${sample.p50_ms}/${sample.p99_ms} ms, RSS ${sample.rss_mb} MiB, heap ${sample.heap_used_mb} MiB, loop max ${sample.loop_delay_max_ms} ms, fds ${sample.open_fds}, store ${sample.store_mb} MB, stream events ${sample.stream_events}`)
  }
  const sampler = setInterval(() => takeSample(Date.now() - loadStart < durationMs ? 'load' : 'drain'), SAMPLE_MS)
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - loadStart
      const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000)
      while (sent < due) fire(sent++)
      if (elapsed >= durationMs) {
        clearInterval(tick)
        resolve()
      }
    }, 2)
  })
  log(`soak: ${sent} pushes sent; draining (callbacks, payouts, webhooks) …`)

  // Drain: wait until every answered push's payment and payout events are streamed and delivered,
  // or nothing has moved for 60 s, or 5 minutes have passed (a gateway that fell behind).
  const drainStart = Date.now()
  let lastProgress = Date.now()
  let lastCount = -1
  let delivered = []
  for (;;) {
    await sleep(1000)
    delivered = (await getJson(`${receiverUrl}/__events`)).body
    const ok = pushes.filter((p) => p.status === 201).length
    const expected = ok * 2 // payment.* and payout.* per payment
    const count = streamed.size + delivered.events.length
    if (inFlight === 0 && streamed.size >= expected && delivered.events.length >= expected) break
    if (count !== lastCount) {
      lastCount = count
      lastProgress = Date.now()
    } else if (Date.now() - lastProgress > 60_000) {
      log('soak: nothing moved for 60 s; checking what there is')
      break
    }
    if (Date.now() - drainStart > 300_000) {
      log('soak: still draining after 5 minutes; checking what there is')
      break
    }
  }
  const drainS = round((Date.now() - drainStart) / 1000, 1)
  clearInterval(sampler)
  takeSample('drain')
  // Let the stream catch up with the last deliveries, then stop following it.
  await sleep(1000)
  streamStop.abort()
  await streaming

  // Accounting: the gateway's own view of every transaction (paged), the stream and the receiver.
  const transactions = new Map()
  let cursor
  for (;;) {
    const page = await getJson(`${url}/api/v1/transactions?limit=100${cursor ? `&starting_after=${cursor}` : ''}`, { headers: auth })
    if (page.status !== 200) throw new Error(`GET /api/v1/transactions answered ${page.status}`)
    for (const t of page.body.data) transactions.set(t.id, t)
    if (!page.body.has_more) break
    cursor = page.body.next_cursor
  }
  const accepted = pushes.filter((p) => p.status === 201)
  const acceptedIds = new Set(accepted.map((p) => p.transaction))
  const received = new Map(delivered.events.map(([id, type, transaction, times]) => [id, { type, transaction, times }]))
  const perTransaction = (events, prefix) => {
    const counts = new Map()
    for (const e of events.values()) if (e.type?.startsWith(prefix)) counts.set(e.transaction, (counts.get(e.transaction) ?? 0) + 1)
    return counts
  }
  const streamPayments = perTransaction(streamed, 'payment.')
  const streamPayouts = perTransaction(streamed, 'payout.')
  const statusCounts = (list, pick) => list.reduce((m, x) => ((m[pick(x)] = (m[pick(x)] ?? 0) + 1), m), {})
  const stored = [...transactions.values()]
  const checks = {
    pushes_sent: sent,
    pushes_answered_201: accepted.length,
    pushes_answered_otherwise: statusCounts(pushes.filter((p) => p.status !== 201), (p) => p.status || p.error),
    transactions_stored: transactions.size,
    transactions_not_answered: stored.filter((t) => !acceptedIds.has(t.id)).length,
    answered_not_stored: accepted.filter((p) => !transactions.has(p.transaction)).length,
    payment_status: statusCounts(stored, (t) => t.status),
    payout_status: statusCounts(stored.filter((t) => t.status === 'success'), (t) => t.payout?.status ?? 'none'),
    // Exactly once: one payment.* event per stored transaction, one payout.* per paid-out one.
    payments_without_event: stored.filter((t) => !streamPayments.has(t.id)).length,
    payments_with_more_than_one_event: [...streamPayments.values()].filter((n) => n > 1).length,
    payouts_without_event: stored.filter((t) => t.status === 'success' && !streamPayouts.has(t.id)).length,
    payouts_with_more_than_one_event: [...streamPayouts.values()].filter((n) => n > 1).length,
    stream_events: streamed.size,
    stream_events_seen_twice: [...streamed.values()].filter((e) => e.times > 1).length,
    stream_reconnects: reconnects,
    deliveries_received: received.size,
    deliveries_received_twice: [...received.values()].filter((e) => e.times > 1).length,
    stream_events_not_delivered: [...streamed.keys()].filter((id) => !received.has(id)).length,
    deliveries_not_in_stream: [...received.keys()].filter((id) => !streamed.has(id)).length,
    bad_signatures: delivered.bad_signatures,
  }
  const allFinal = stored.every((t) => t.status === 'success' || t.status === 'failed')
  const paidOut = stored.filter((t) => t.status === 'success').every((t) => t.payout?.status === 'success')
  checks.all_accounted_exactly_once =
    checks.transactions_stored === checks.pushes_answered_201 &&
    checks.transactions_not_answered === 0 &&
    checks.answered_not_stored === 0 &&
    allFinal &&
    paidOut &&
    checks.payments_without_event === 0 &&
    checks.payments_with_more_than_one_event === 0 &&
    checks.payouts_without_event === 0 &&
    checks.payouts_with_more_than_one_event === 0 &&
    checks.stream_events_seen_twice === 0 &&
    checks.deliveries_received_twice === 0 &&
    checks.stream_events_not_delivered === 0 &&
    checks.deliveries_not_in_stream === 0 &&
    checks.bad_signatures === 0

  // Restart on the resulting store: spawn to the ready line of a new `mpg serve`. First the
  // probe's last, partial window (since its last 10 s line), so the drain's end is measured too.
  const lines = probeLines(probeFile).length
  process.kill(gatewayPid, 'SIGUSR2')
  for (let waited = 0; probeLines(probeFile).length === lines && waited < 2000; waited += 50) await sleep(50)
  const probe = probeLines(probeFile)
  await gateway.stop()
  const storeAtEnd = storeMb(dataDir)
  const restartStarted = performance.now()
  const again = serve('restart')
  await again.ready
  const restartMs = round(performance.now() - restartStarted, 0)
  const restartRss = rssMb(again.pid)
  await again.stop()
  await Promise.all([emulator.stop(), receiver.stop()])

  // Worst pause: the probe's windows that lie wholly after the load began (start-up excluded).
  const during = probe.filter((p) => p.at - SAMPLE_MS >= loadStart)
  const loadSamples = samples.filter((s) => s.phase === 'load')
  const result = {
    soak_worst_pause_ms: during.length ? Math.max(...during.map((p) => p.loop_delay_max_ms)) : null,
    // The same stall counting only the CPU time the gateway process got over it: what remains when
    // time the machine gave other processes is taken out (equal to the above on an idle machine).
    soak_worst_pause_on_cpu_ms: during.length ? Math.max(...during.map((p) => p.loop_delay_max_on_cpu_ms ?? 0)) : null,
    // Counting only the main thread's own time on a CPU (Linux): what the gateway's own work (its
    // JavaScript, GC, syscalls) made of its worst stall; the rest was waiting for a CPU or blocked.
    soak_worst_pause_main_thread_on_cpu_ms: during.some((p) => p.loop_delay_max_main_thread_on_cpu_ms != null) ? Math.max(...during.map((p) => p.loop_delay_max_main_thread_on_cpu_ms ?? 0)) : null,
    soak_worst_gc_pause_ms: during.length ? Math.max(...during.map((p) => p.gc_max_ms)) : null,
    soak_worst_gc_pause_kind: during.length ? during.reduce((a, b) => (b.gc_max_ms > a.gc_max_ms ? b : a)).gc_max_kind ?? null : null,
    // The longest stalls one by one (20 ms or more; the probe lists them): when (s after the load
    // began), how long, on the process's CPU, and the GC time inside each.
    soak_longest_stalls: during
      .flatMap((p) => p.stalls ?? [])
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 10)
      .map(({ at, ...s }) => ({ t_s: round((at - loadStart) / 1000, 2), ...s })),
    soak_restart_ms: restartMs,
    soak_restart_ms_per_10k_transactions: transactions.size ? round(restartMs / (transactions.size / 10_000), 0) : null,
    soak_all_accounted_exactly_once: checks.all_accounted_exactly_once,
    soak_peak_rss_mb: Math.max(...samples.map((s) => s.rss_mb ?? 0)),
    soak_peak_heap_used_mb: Math.max(...samples.map((s) => s.heap_used_mb ?? 0)),
    // The V8 heap plus what it holds outside it (the store keeps large strings of its history there).
    soak_peak_heap_plus_external_mb: probe.length ? round(Math.max(...probe.map((p) => (p.heap_used_mb ?? 0) + (p.external_mb ?? 0))), 1) : null,
    soak_p99_ms_worst_window: Math.max(...loadSamples.map((s) => s.p99_ms ?? 0)),
    soak_p99_ms_median_window: round(percentile(loadSamples.map((s) => s.p99_ms ?? 0), 50), 1),
    checks,
    restart: { ms: restartMs, rss_mb_after_ready: restartRss, transactions: transactions.size, store_mb: storeAtEnd },
    drain_s: drainS,
    run: {
      command: `npm run bench -- --soak --minutes ${minutes} --rate ${rate}`,
      minutes,
      rate,
      node: process.version,
      cpus: cores,
      at: new Date(loadStart).toISOString(),
      loadavg_1m_at_start: loadavgAtStart,
      loadavg_1m_at_end: round(loadavg()[0], 2),
      outside_load: loadavgAtStart > cores,
      worst_pause_measures:
        "the longest time the gateway process's event loop could not run a 5 ms timer (bench/lib/probe.js, preloaded with --import: gap between ticks − 5 ms), over every 10 s window that began after the load started, drain included",
    },
  }

  mkdirSync(outDir, { recursive: true })
  const stamp = `${minutes}min-${rate}rps`
  const columns = Object.keys(samples[0])
  const csv = [columns.join(','), ...samples.map((s) => columns.map((c) => s[c] ?? '').join(','))].join('\n')
  const csvFile = join(outDir, `soak-${stamp}.csv`)
  const svgFile = join(outDir, `soak-${stamp}.svg`)
  writeFileSync(csvFile, `${csv}\n`)
  const x = samples.map((s) => s.t_s)
  writeFileSync(
    svgFile,
    linePanels({
      title: `Soak: ${minutes} min at ${rate} STK pushes/s, full flow (callbacks, B2C, webhooks, event stream)`,
      subtitle: [
        `${result.run.at.slice(0, 16)} UTC, Node ${process.version}, ${cores} cores, load average ${loadavgAtStart} → ${result.run.loadavg_1m_at_end}${result.run.outside_load ? ' (under outside load)' : ''}`,
        `${checks.pushes_answered_201} payments, all accounted for exactly once: ${checks.all_accounted_exactly_once}; worst pause ${result.soak_worst_pause_ms} ms; restart ${restartMs} ms`,
      ],
      x,
      panels: [
        { title: 'Gateway memory', unit: 'MiB', series: [{ name: 'RSS', values: samples.map((s) => s.rss_mb) }, { name: 'V8 heap used', values: samples.map((s) => s.heap_used_mb) }] },
        { title: 'STK push latency per 10 s window', unit: 'ms', series: [{ name: 'p50', values: samples.map((s) => s.p50_ms) }, { name: 'p99', values: samples.map((s) => s.p99_ms) }] },
        { title: 'Gateway event-loop delay per 10 s window', unit: 'ms', series: [{ name: 'max', values: samples.map((s) => s.loop_delay_max_ms) }, { name: 'longest GC', values: samples.map((s) => s.gc_max_ms) }, ...(samples.some((s) => s.loop_delay_max_main_thread_on_cpu_ms != null) ? [{ name: 'max, main thread on a CPU', values: samples.map((s) => s.loop_delay_max_main_thread_on_cpu_ms) }] : [])] },
        { title: 'Open descriptors and store size', unit: 'count / MB', series: [{ name: 'open fds', values: samples.map((s) => s.open_fds) }, { name: 'store MB', values: samples.map((s) => s.store_mb) }] },
      ],
    }),
  )
  result.files = { csv: csvFile, svg: svgFile }
  if (asJson) process.stdout.write(`${JSON.stringify(result)}\n`)
  else {
    process.stdout.write(
      [
        `soak_worst_pause_ms: ${result.soak_worst_pause_ms} (${result.run.worst_pause_measures}; longest GC pause ${result.soak_worst_gc_pause_ms} ms; worst stall counting only the gateway's own CPU time: ${result.soak_worst_pause_on_cpu_ms} ms, its main thread's alone: ${result.soak_worst_pause_main_thread_on_cpu_ms ?? 'not known off Linux'} ms)`,
        `longest stalls (s after the load began: ms; the process's CPU; the main thread on a CPU / waiting for one / blocked; GC inside): ${result.soak_longest_stalls.map((x) => `${x.t_s} s: ${x.ms} (${x.on_cpu_ms}; ${x.main_on_cpu_ms ?? '-'} / ${x.main_waiting_for_cpu_ms ?? '-'} / ${x.main_blocked_ms ?? '-'}; GC ${x.gc_ms}${x.gc_kinds ? ` ${x.gc_kinds}` : ''})`).join('; ') || 'none over 20 ms'}`,
        `accounted for exactly once: ${checks.all_accounted_exactly_once}`,
        `  ${JSON.stringify(checks)}`,
        `restart on the resulting store: ${restartMs} ms to ready (${transactions.size} transactions, store ${storeAtEnd} MB, RSS ${restartRss} MiB after ready)`,
        `peak RSS ${result.soak_peak_rss_mb} MiB, peak heap ${result.soak_peak_heap_used_mb} MiB (${result.soak_peak_heap_plus_external_mb} MiB with what it holds outside the heap); p99 per 10 s window: median ${result.soak_p99_ms_median_window} ms, worst ${result.soak_p99_ms_worst_window} ms; drain ${drainS} s`,
        `${result.run.command}: ${result.run.at}, load average ${loadavgAtStart} → ${result.run.loadavg_1m_at_end} on ${cores} cores${result.run.outside_load ? ' (TAKEN UNDER OUTSIDE LOAD)' : ''}`,
        `samples: ${csvFile}`,
        `chart: ${svgFile}`,
      ].join('\n') + '\n',
    )
  }
  return result
}
