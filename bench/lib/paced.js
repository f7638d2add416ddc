// Requests at a fixed arrival rate, spread evenly over each second (open loop): the k-th request
// is due at start + k/rate, whatever happened to the ones before it, and is sent on the first
// connection free then. Its latency runs from when it was due to its answer's last byte, so a
// request that waited for a free connection (the server slow to answer the ones before it) counts
// that wait too.
//
// autocannon's overallRate is not this: each connection sends its share of a second's requests
// back to back (one in flight, the next on its answer) from the start of every second and then
// waits for the next second, all connections' seconds starting together; at half the maximum rate
// the server is saturated by all connections for about the first half of every second and idle in
// the second half. It also adds, per answer of L ms, L−1 made-up samples of L−1 … 1 ms (its
// coordinated-omission correction, run with an expected interval of ceil(1 / rate per connection)
// = 1 ms). bench/README.md, "The push path's tail at half rate on an idle machine".
//
// Plain HTTP/1.1 on kept-alive sockets, one request in flight per connection, answers with a
// Content-Length or chunked. Resolves with the fields bench/load.js prints.
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'

/**
 * `config`: {url, method, path, headers, body, connections, idempotency}; `rate` requests/s for
 * `seconds`; `nextKey()` gives each request's Idempotency-Key when config.idempotency.
 */
export function pacedRun(config, rate, seconds, nextKey) {
  const target = new URL(config.url)
  const method = config.method ?? 'POST'
  const body = typeof config.body === 'string' ? config.body : JSON.stringify(config.body)
  const headerLines = Object.entries(config.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const head = `${method} ${config.path} HTTP/1.1\r\nhost: ${target.host}\r\nconnection: keep-alive\r\n${headerLines}content-length: ${Buffer.byteLength(body)}\r\n`
  const requestText = () => `${head}${config.idempotency ? `idempotency-key: ${nextKey()}\r\n` : ''}\r\n${body}`

  const total = Math.round(rate * seconds)
  const latencies = new Float64Array(total)
  const statusCounts = {}
  const classes = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }
  let answered = 0
  let errors = 0
  const waiting = [] // due times of requests no connection was free for
  const idle = []
  const start = performance.now()
  let scheduled = 0

  return new Promise((resolve) => {
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      clearInterval(ticker)
      clearTimeout(deadline)
      for (const c of connections) c.socket.destroy()
      connections.clear()
      const values = Array.from(latencies.subarray(0, answered)).sort((a, b) => a - b)
      const at = (p) => (values.length ? values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] : 0)
      const r1 = (v) => Math.round(v * 10) / 10
      resolve({
        ...classes,
        non2xx: answered - classes['2xx'],
        errors,
        timeouts: total - answered - errors,
        statusCodeStats: Object.fromEntries(Object.entries(statusCounts).map(([code, count]) => [code, { count }])),
        latency: { p50: r1(at(50)), p90: r1(at(90)), p99: r1(at(99)), p999: r1(at(99.9)), max: r1(values.at(-1) ?? 0) },
        duration: seconds,
      })
    }
    const settle = () => {
      if (scheduled === total && answered + errors === total) finish()
    }

    const send = (conn, due) => {
      conn.due = due
      conn.socket.write(requestText())
    }
    // Idle connections are taken oldest first, so that every one stays in use and none outlives
    // the server's keep-alive timeout unnoticed.
    const dispatch = () => {
      while (waiting.length > 0 && idle.length > 0) send(idle.shift(), waiting.shift())
    }

    const connections = new Set()
    const open = () => {
      const conn = { socket: connect({ host: target.hostname, port: Number(target.port), noDelay: true }), due: -1, buffer: '', closing: false, connected: false }
      connections.add(conn)
      conn.socket.setEncoding('latin1')
      conn.socket.on('data', (chunk) => {
        conn.buffer += chunk
        const answer = completeAnswer(conn.buffer)
        if (answer === undefined) return
        const status = Number(conn.buffer.slice(9, 12))
        // An answer that closes its connection: the next request goes on another one.
        conn.closing = answer.closes
        conn.buffer = conn.buffer.slice(answer.end)
        latencies[answered++] = performance.now() - conn.due
        statusCounts[status] = (statusCounts[status] ?? 0) + 1
        classes[`${Math.floor(status / 100)}xx`]++
        conn.due = -1
        if (conn.closing) conn.socket.end()
        else if (waiting.length > 0) send(conn, waiting.shift())
        else idle.push(conn)
        settle()
      })
      conn.socket.on('error', () => {})
      // Closed by either side: a request in flight on it is lost (counted as an error, not sent
      // again: a POST is not retried), and a new connection takes its place.
      conn.socket.on('close', () => {
        connections.delete(conn)
        const at = idle.indexOf(conn)
        if (at >= 0) idle.splice(at, 1)
        if (conn.due >= 0) {
          errors++
          conn.due = -1
        }
        // A server that refuses connections is asked again 100 ms later, not in a tight loop.
        if (!finished && conn.connected) open()
        else if (!finished) setTimeout(() => finished || open(), 100)
        settle()
      })
      conn.socket.once('connect', () => {
        conn.connected = true
        idle.push(conn)
        dispatch()
      })
    }
    for (let i = 0; i < (config.connections ?? 50); i++) open()

    // Due requests are released every millisecond (Node's finest timer): at most one ms late.
    const ticker = setInterval(() => {
      const now = performance.now()
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1)
      for (; scheduled < due; scheduled++) waiting.push(start + (scheduled * 1000) / rate)
      dispatch()
      if (scheduled === total) clearInterval(ticker)
    }, 1)
    // Answers still missing 20 s after the last request was due count as timeouts (autocannon's timeout).
    const deadline = setTimeout(finish, seconds * 1000 + 20_000)
  })
}

/** Where the first complete answer in `text` ends and whether it closes its connection, or undefined. */
function completeAnswer(text) {
  const headEnd = text.indexOf('\r\n\r\n')
  if (headEnd < 0) return undefined
  const head = `${text.slice(0, headEnd).toLowerCase()}\r\n`
  const closes = /\r\nconnection: *close\r\n/.test(head)
  const length = /\r\ncontent-length: *(\d+)/.exec(head)
  if (length) {
    const end = headEnd + 4 + Number(length[1])
    return text.length >= end ? { end, closes } : undefined
  }
  if (/\r\ntransfer-encoding: *chunked/.test(head)) {
    const last = text.indexOf('\r\n0\r\n\r\n', headEnd + 2)
    return last < 0 ? undefined : { end: last + 7, closes }
  }
  return { end: headEnd + 4, closes }
}
