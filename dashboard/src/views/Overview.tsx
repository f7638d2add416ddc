import { useEffect, useRef, useState } from 'preact/hooks'
import uPlot from 'uplot'
import { ApiError, call, type Delivery, type Endpoint, type Transaction, type TransactionPage } from '../api'
import { useLiveRefresh } from '../live'
import { ErrorBox } from './parts'

const MINUTES = 60
/** At most this many pages of 100 are read to cover the last hour. */
const MAX_PAGES = 10

interface Stats {
  minutes: number[]
  success: number[]
  failed: number[]
  totals: { success: number; failed: number; pending: number }
  deliveries: { succeeded: number; failed: number; p50: number | null; p95: number | null }
}

async function lastHourTransactions(token: string, since: number): Promise<Transaction[]> {
  const out: Transaction[] = []
  let cursor: string | null = null
  for (let i = 0; i < MAX_PAGES; i++) {
    const page: TransactionPage = await call<TransactionPage>(token, 'GET', `/api/v1/transactions?limit=100${cursor ? `&starting_after=${encodeURIComponent(cursor)}` : ''}`)
    out.push(...page.data)
    const last = page.data[page.data.length - 1]
    if (!page.has_more || !last || Date.parse(last.created_at) < since) break
    cursor = page.next_cursor
  }
  return out.filter((t) => Date.parse(t.created_at) >= since)
}

const percentile = (sorted: number[], p: number): number | null => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] : null)

async function loadStats(token: string): Promise<Stats> {
  const now = Date.now()
  const start = Math.floor(now / 60_000) * 60_000 - (MINUTES - 1) * 60_000
  const minutes = Array.from({ length: MINUTES }, (_, i) => (start + i * 60_000) / 1000)
  const success = new Array<number>(MINUTES).fill(0)
  const failed = new Array<number>(MINUTES).fill(0)
  const totals = { success: 0, failed: 0, pending: 0 }
  for (const t of await lastHourTransactions(token, start)) {
    totals[t.status]++
    const slot = Math.floor((Date.parse(t.created_at) - start) / 60_000)
    if (slot < 0 || slot >= MINUTES) continue
    if (t.status === 'success') success[slot]++
    if (t.status === 'failed') failed[slot]++
  }
  const endpoints = (await call<{ data: Endpoint[] }>(token, 'GET', '/api/v1/webhooks')).data
  const logs = await Promise.all(endpoints.map((e) => call<{ data: Delivery[] }>(token, 'GET', `/api/v1/webhooks/${encodeURIComponent(e.id)}/deliveries?limit=100`)))
  const deliveries = logs.flatMap((l) => l.data).filter((d) => Date.parse(d.created_at) >= start)
  const durations = deliveries
    .flatMap((d) => d.attempts)
    .map((a) => a.duration_ms)
    .sort((a, b) => a - b)
  return {
    minutes,
    success,
    failed,
    totals,
    deliveries: {
      succeeded: deliveries.filter((d) => d.status === 'succeeded').length,
      failed: deliveries.filter((d) => d.status === 'failed').length,
      p50: percentile(durations, 50),
      p95: percentile(durations, 95),
    },
  }
}

function Chart({ stats }: { stats: Stats }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (!el) return
    const width = Math.max(280, el.clientWidth)
    const plot = new uPlot(
      {
        width,
        height: 220,
        // Room on the right for the last time label.
        padding: [12, 28, 0, 0],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'payments / min' }],
        series: [{}, { label: 'Success', stroke: '#1b7f3b', width: 2 }, { label: 'Failed', stroke: '#b3261e', width: 2 }],
      },
      [stats.minutes, stats.success, stats.failed],
      el,
    )
    const onResize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 })
    addEventListener('resize', onResize)
    return () => {
      removeEventListener('resize', onResize)
      plot.destroy()
    }
  }, [stats])
  return <div ref={box} class="chart" role="img" aria-label={`Payments per minute over the last hour: ${stats.totals.success} succeeded, ${stats.totals.failed} failed`} />
}

export function Overview({ token }: { token: string }) {
  const [stats, setStats] = useState<Stats | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [tick, setTick] = useState(0)

  useEffect(() => {
    loadStats(token)
      .then((s) => (setStats(s), setError(null)))
      .catch((e: unknown) => e instanceof ApiError && setError(e))
  }, [token, tick])
  // Each refresh reads up to an hour of transactions: at most every 5 s however busy the stream.
  useLiveRefresh(() => setTick((n) => n + 1), { minGapMs: 5000 })

  const d = stats?.deliveries
  const finished = d ? d.succeeded + d.failed : 0
  return (
    <section aria-labelledby="ov-title">
      <h1 id="ov-title">Overview</h1>
      {error && <ErrorBox error={error} />}
      {stats && d && (
        <>
          <div class="tiles">
            <div class="card tile">
              <span class="muted">Paid (last hour)</span>
              <strong data-testid="paid-count">{stats.totals.success}</strong>
            </div>
            <div class="card tile">
              <span class="muted">Failed (last hour)</span>
              <strong>{stats.totals.failed}</strong>
            </div>
            <div class="card tile">
              <span class="muted">Webhook success rate</span>
              <strong>{finished ? `${Math.round((d.succeeded / finished) * 100)}%` : '—'}</strong>
              <span class="muted">{finished ? `${d.succeeded} of ${finished} deliveries` : 'no finished delivery'}</span>
            </div>
            <div class="card tile">
              <span class="muted">Webhook latency</span>
              <strong>{d.p50 === null ? '—' : `${d.p50} ms`}</strong>
              <span class="muted">{d.p95 === null ? 'no attempt' : `median; p95 ${d.p95} ms`}</span>
            </div>
          </div>
          <h2>Payments per minute, last hour</h2>
          <Chart stats={stats} />
        </>
      )}
    </section>
  )
}
