import { useCallback, useEffect, useState } from 'preact/hooks'
import { ApiError, call, type Delivery, type TimelineEvent, type Transaction } from '../api'
import { maskPhone, money, time } from '../format'
import { useLiveRefresh } from '../live'
import { href } from '../route'
import { Attempts } from './Attempts'
import { ErrorBox, StatusBadge } from './parts'

interface Step {
  at: string | null
  title: string
  detail?: string
  deliveries?: Delivery[]
}

/** The story of a payment, from the push to the payout, oldest first. */
function timeline(t: Transaction, events: TimelineEvent[]): Step[] {
  const steps: Step[] = [{ at: t.created_at, title: 'Created', detail: `${money(t.amount)} from ${maskPhone(t.phone)} — ${t.description}` }]
  const refused = !t.checkout_request_id && t.status === 'failed'
  if (t.checkout_request_id) steps.push({ at: t.created_at, title: 'Daraja accepted the STK push', detail: `CheckoutRequestID ${t.checkout_request_id}` })
  else if (refused) steps.push({ at: t.completed_at ?? t.created_at, title: 'Daraja did not take the STK push: failed', detail: t.result_desc ?? '' })
  if (refused) {
    // Nothing else to settle: the refusal was the answer.
  } else if (t.status !== 'pending') {
    const how = t.status === 'success' ? (t.mpesa_receipt_number ? 'by Daraja\'s callback' : 'by reconciliation (STK Query)') : ''
    const result = [t.result_code != null ? `result ${t.result_code}` : '', t.result_desc ?? '', t.mpesa_receipt_number ? `receipt ${t.mpesa_receipt_number}` : '']
      .filter(Boolean)
      .join(' · ')
    steps.push({ at: t.completed_at, title: `Settled: ${t.status}${how ? ` ${how}` : ''}`, detail: result })
  } else steps.push({ at: null, title: 'Waiting for the customer', detail: 'The prompt is on the phone; the callback or reconciliation settles it.' })
  for (const e of events) steps.push({ at: e.created_at, title: `Event ${e.event}`, detail: e.id, deliveries: e.deliveries })
  if (t.payout) {
    const p = t.payout
    const detail = [`${money(p.amount)} by ${p.type}`, p.mpesa_receipt ? `receipt ${p.mpesa_receipt}` : '', p.result_desc ?? ''].filter(Boolean).join(' · ')
    steps.push({ at: p.updated_at, title: `Payout ${p.status}`, detail })
  }
  return steps.sort((a, b) => (a.at ?? '\uffff').localeCompare(b.at ?? '\uffff'))
}

export function TransactionPage({ token, id }: { token: string; id: string }) {
  const [t, setT] = useState<Transaction | null>(null)
  const [events, setEvents] = useState<TimelineEvent[]>([])
  const [error, setError] = useState<ApiError | null>(null)

  const load = useCallback(async () => {
    try {
      const path = `/api/v1/transactions/${encodeURIComponent(id)}`
      const [one, list] = await Promise.all([call<{ transaction: Transaction }>(token, 'GET', path), call<{ data: TimelineEvent[] }>(token, 'GET', `${path}/events`)])
      setT(one.transaction)
      setEvents(list.data)
      setError(null)
    } catch (e) {
      if (e instanceof ApiError) setError(e)
    }
  }, [token, id])

  useEffect(() => void load(), [load])
  useLiveRefresh(() => void load(), { when: (e) => e.data.transaction_id === id })
  // Deliveries retry on their own schedule: keep reading while any is still pending.
  const pending = events.some((e) => e.deliveries.some((d) => d.status === 'pending'))
  useEffect(() => {
    if (!pending && t?.status !== 'pending') return
    const timer = setInterval(() => void load(), 2000)
    return () => clearInterval(timer)
  }, [pending, t?.status, load])

  return (
    <section aria-labelledby="txn-title">
      <p>
        <a href={href('transactions')}>← Transactions</a>
      </p>
      <h1 id="txn-title">{t ? t.reference : 'Transaction'}</h1>
      {error && <ErrorBox error={error} />}
      {t && (
        <>
          <div class="summary card">
            <StatusBadge status={t.status} />
            <dl class="fees">
              <div>
                <dt>Amount</dt>
                <dd>{money(t.amount)}</dd>
              </div>
              <div>
                <dt>Platform fee</dt>
                <dd>{money(t.platform_fee)}</dd>
              </div>
              <div>
                <dt>Net</dt>
                <dd>{money(t.net_amount)}</dd>
              </div>
            </dl>
            <p class="muted">
              {t.id} · {t.description}
            </p>
          </div>
          <h2>Timeline</h2>
          <ol class="timeline" data-testid="timeline">
            {timeline(t, events).map((s) => (
              <li>
                <div class="step-head">
                  <strong>{s.title}</strong> <span class="muted">{time(s.at)}</span>
                </div>
                {s.detail && <div>{s.detail}</div>}
                {s.deliveries?.map((d) => (
                  <div class="delivery">
                    <div>
                      Webhook delivery {d.id} <StatusBadge status={d.status} />
                    </div>
                    <Attempts attempts={d.attempts} />
                  </div>
                ))}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  )
}
