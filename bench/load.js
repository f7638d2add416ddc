// The load generator, in its own process so that it never shares a CPU queue with the server it
// measures. argv[2] is a JSON config: {url, path, headers, body, connections, duration, warmup,
// idempotency, rate, paced}. With `rate`, that many requests/s in all through autocannon's
// overallRate: each connection sends its share of a second back to back from the start of every
// second, so at half the maximum rate the server is saturated for about half of each second, and
// its latency histogram adds L-1 made-up samples per answer of L ms (bench/lib/paced.js). With
// `paced: true` too, the requests come at an even pace instead (bench/lib/paced.js, open loop).
// Prints one JSON line: throughput of 2xx answers, latency percentiles, the requests answered in the
// measured run (requests_in_window) and in all (requests_total, warm-up included).
//
// With `handshake: true` (stdin a pipe), the warm-up's end is a line of its own,
// {"phase":"warmed_up","requests":N}, and the measured run starts only once a line arrives on
// stdin: the bench reads each process's CPU time from /proc in that pause, and again when the
// result line arrives, so its CPU per request covers the measured run alone (bench/lib/load-window.js).
import autocannon from 'autocannon'
import { pacedRun } from './lib/paced.js'

const config = JSON.parse(process.argv[2])
let counter = 0
const tag = `${process.pid}-${Date.now().toString(36)}`

// An even pace needs a rate to keep; without one the run is saturated, through autocannon.
const paced = Boolean(config.paced && config.rate)

function run(duration) {
  if (paced) return pacedRun(config, config.rate, duration, () => `bench-${tag}-${++counter}`)
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: config.url,
        connections: config.connections ?? 50,
        duration,
        timeout: 20,
        ...(config.rate ? { overallRate: config.rate } : {}),
        requests: [
          {
            method: config.method ?? 'POST',
            path: config.path,
            headers: config.headers,
            body: typeof config.body === 'string' ? config.body : JSON.stringify(config.body),
            // A fresh Idempotency-Key per request, as a real client sends (autocannon rebuilds the
            // request each time when setupRequest is given).
            ...(config.idempotency
              ? {
                  setupRequest: (request) => {
                    request.headers = { ...request.headers, 'idempotency-key': `bench-${tag}-${++counter}` }
                    return request
                  },
                }
              : {}),
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
    process.once('SIGTERM', () => instance.stop())
  })
}

/** Resolves true once a line arrives on stdin, false when stdin ends first. */
async function goLine() {
  let text = ''
  for await (const chunk of process.stdin.setEncoding('utf8')) {
    text += chunk
    if (text.includes('\n')) return true
  }
  return false
}

const answered = (r) => (r ? r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'] : 0)
const warm = config.warmup > 0 ? await run(config.warmup) : undefined
if (config.handshake) {
  process.stdout.write(`${JSON.stringify({ phase: 'warmed_up', requests: answered(warm) })}\n`)
  if (!(await goLine())) process.exit(3) // the bench went away before the window
}
const result = await run(config.duration)
const seconds = result.duration
const ok = result['2xx']
process.stdout.write(
  `${JSON.stringify({
    ok_per_s: ok / seconds,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status_codes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count])),
    rate: config.rate ?? null,
    requests_in_window: answered(result),
    requests_in_warmup: answered(warm),
    requests_total: answered(warm) + answered(result),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    ...(paced ? { arrivals: 'paced', p90_ms: result.latency.p90, p999_ms: result.latency.p999 } : config.rate ? { arrivals: 'autocannon overallRate' } : {}),
    max_ms: result.latency.max,
    duration_s: seconds,
    idempotency_keys_sent: counter,
  })}\n`,
)
