import type { ChalkInstance } from 'chalk'
import { maskPhone } from '../utils/phone.js'
import { outcomeColour } from './style.js'

interface EventBodyLike {
  id: string
  event: string
  created_at: string
  data: Record<string, unknown>
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined)

/** The outcome an event reports: payment or payout status, receipt or reason. */
export function eventOutcome(body: EventBodyLike): string {
  const d = body.data
  const receipt = str(d.mpesa_receipt) ?? str(d.mpesa_receipt_number)
  const status = body.event.split('.')[1] ?? str(d.status) ?? ''
  if (status === 'success') return receipt ? `success ${receipt}` : 'success'
  if (status === 'failed') return ['failed', str(d.result_code), str(d.result_desc)].filter(Boolean).join(' ')
  return status
}

/** One line per event for people: time, event, transaction id, amount, masked phone, outcome. */
export function formatEventLine(body: EventBodyLike, style: ChalkInstance): string {
  const d = body.data
  const time = (body.created_at.match(/T(\d\d:\d\d:\d\d)/)?.[1] ?? body.created_at).padEnd(8)
  const transaction = str(d.transaction_id) ?? str(d.id) ?? '-'
  const amount = str(d.amount)
  const destination = (d.destination ?? {}) as Record<string, unknown>
  const phone = str(d.phone) ?? str(destination.phone)
  const outcome = eventOutcome(body)
  const colour = outcomeColour(style, body.event)
  return [
    style.dim(time),
    colour(body.event.padEnd(21)),
    transaction,
    (amount ? `KES ${amount}` : '-').padEnd(10),
    (phone ? maskPhone(phone) : '-').padEnd(12),
    colour(outcome),
  ].join('  ')
}
