import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, call, type Delivery, type Endpoint } from '../api'
import { time } from '../format'
import { useLiveRefresh } from '../live'
import { href } from '../route'
import { Attempts } from './Attempts'
import { ErrorBox, StatusBadge } from './parts'

/** One endpoint's delivery log: every delivery with every attempt, and Resend for finished ones. */
export function WebhookPage({ token, id }: { token: string; id: string }) {
  const [endpoint, setEndpoint] = useState<Endpoint | null>(null)
  const [deliveries, setDeliveries] = useState<Delivery[]>([])
  const [error, setError] = useState<ApiError | null>(null)

  const load = useCallback(async () => {
    try {
      const [list, log] = await Promise.all([
        call<{ data: Endpoint[] }>(token, 'GET', '/api/v1/webhooks'),
        call<{ data: Delivery[] }>(token, 'GET', `/api/v1/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`),
      ])
      setEndpoint(list.data.find((e) => e.id === id) ?? null)
      setDeliveries(log.data)
      setError(null)
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }, [token, id])

  useEffect(() => void load(), [load])
  useLiveRefresh(() => void load())
  const pending = deliveries.some((d) => d.status === 'pending')
  useEffect(() => {
    if (!pending) return
    const timer = setInterval(() => void load(), 1000)
    return () => clearInterval(timer)
  }, [pending, load])

  const resend = async (d: Delivery) => {
    try {
      await call(token, 'POST', `/api/v1/webhook-deliveries/${encodeURIComponent(d.id)}/resend`)
      await load()
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }

  return (
    <section aria-labelledby="log-title">
      <p>
        <a href={href('webhooks')}>← Webhooks</a>
      </p>
      <h1 id="log-title">Delivery log</h1>
      {endpoint && (
        <p class="url">
          {endpoint.url} {endpoint.deleted_at && <span class="badge">removed</span>}
        </p>
      )}
      {error && <ErrorBox error={error} />}
      {deliveries.length === 0 && !error && <p class="muted">No delivery yet.</p>}
      <ul class="deliveries">
        {deliveries.map((d) => (
          <li key={d.id} class="card" data-id={d.id}>
            <div class="step-head">
              <strong>{d.event}</strong> <StatusBadge status={d.status} /> <span class="muted">{time(d.created_at)}</span>
              {d.next_attempt_at && d.status === 'pending' && <span class="muted">next attempt {time(d.next_attempt_at)}</span>}
            </div>
            <div class="muted">
              {d.id} · event {d.event_id}
            </div>
            <Attempts attempts={d.attempts} />
            <button type="button" onClick={() => resend(d)} disabled={d.status === 'pending'} aria-label={`Resend ${d.id}`}>
              Resend
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
