import type { GatewayClient } from '../client/gateway-client.js'
import { isMpgError } from '../errors.js'
import type { Transaction } from '../schemas/gateway.js'

export interface FollowOptions {
  /** The transaction is where the caller wants it. */
  until: (t: Transaction) => boolean
  timeoutMs: number
  /** Listen to the event stream and re-read on each event of this transaction; poll otherwise. */
  useStream: boolean
  /** Poll interval without the stream (with it, a slow safety poll runs every 5 s). */
  pollIntervalMs?: number
  signal?: AbortSignal
  onProgress?: (progress: FollowProgress) => void
}

export type FollowProgress =
  | { type: 'watching'; via: 'stream' | 'poll' }
  | { type: 'stream_unavailable'; reason: string }
  | { type: 'read'; transaction: Transaction }

export interface FollowResult {
  transaction: Transaction
  /** false when the timeout (or the signal) ended the wait first. */
  reached: boolean
  via: 'stream' | 'poll'
}

/**
 * Follows a transaction until `until` holds: reads it, then re-reads on every stream event naming
 * it (or on a poll tick when the gateway has no stream), so the wait ends as soon as the gateway
 * knows. A read after each (re)connection closes the gap between the push and the subscription.
 */
export async function followTransaction(client: GatewayClient, id: string, options: FollowOptions): Promise<FollowResult> {
  const deadline = AbortSignal.timeout(options.timeoutMs)
  const stop = new AbortController()
  const signal = AbortSignal.any([deadline, stop.signal, ...(options.signal ? [options.signal] : [])])
  let via: 'stream' | 'poll' = options.useStream ? 'stream' : 'poll'
  let wake: (() => void) | undefined
  const poke = () => wake?.()

  const watchStream = async () => {
    try {
      for await (const item of client.streamEvents({ signal })) {
        if (item.type === 'connected') poke()
        else if (item.type === 'event' && mentions(item.data, id)) poke()
      }
    } catch (error) {
      if (signal.aborted) return
      via = 'poll'
      options.onProgress?.({ type: 'stream_unavailable', reason: isMpgError(error) || error instanceof Error ? error.message : String(error) })
      poke()
    }
  }
  if (options.useStream) void watchStream()
  options.onProgress?.({ type: 'watching', via })

  try {
    let transaction = await client.getTransaction(id)
    for (;;) {
      options.onProgress?.({ type: 'read', transaction })
      if (options.until(transaction)) return { transaction, reached: true, via }
      const wait = via === 'stream' ? 5000 : (options.pollIntervalMs ?? 1000)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          wake = undefined
          resolve()
        }
        const timer = setTimeout(done, wait)
        signal.addEventListener('abort', done, { once: true })
        wake = done
      })
      if (signal.aborted) return { transaction, reached: false, via }
      transaction = await client.getTransaction(id)
    }
  } finally {
    stop.abort()
  }
}

/** Whether an event body (raw JSON) is about this transaction. */
function mentions(raw: string, id: string): boolean {
  try {
    const body = JSON.parse(raw) as { data?: { transaction_id?: unknown; id?: unknown } }
    return body.data?.transaction_id === id || body.data?.id === id
  } catch {
    return false
  }
}
