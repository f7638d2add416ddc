import { createParser } from 'eventsource-parser'
import { ApiError } from './api'

export interface StreamEvent {
  id: string
  event: string
  created_at: string
  data: Record<string, unknown>
}

export type StreamState = { state: 'connecting' } | { state: 'live' } | { state: 'reconnecting'; inMs: number } | { state: 'stopped'; error: ApiError }

function endError(data: string): ApiError {
  try {
    const body = JSON.parse(data) as Record<string, unknown>
    if (typeof body.error === 'string') return new ApiError(401, body.error, String(body.hint ?? ''), String(body.detail ?? ''))
  } catch {
    // fall through
  }
  return new ApiError(401, 'The gateway ended the event stream', 'Sign in again with a valid key.', '')
}

/**
 * Follows the gateway's event stream. EventSource cannot send an Authorization header, so this
 * reads the stream with fetch and parses it with eventsource-parser; a dropped stream is resumed
 * with Last-Event-ID, and an auth error (e.g. a revoked key) stops it for good.
 */
export function followEvents(token: string, onEvent: (e: StreamEvent) => void, onState: (s: StreamState) => void): () => void {
  const abort = new AbortController()
  let lastEventId: string | undefined
  let delay = 500

  async function connectOnce(): Promise<void> {
    const res = await fetch('/api/v1/events/stream', {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      cache: 'no-store',
      credentials: 'omit',
      signal: abort.signal,
    })
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => ({}))) as Record<string, string>
      throw new ApiError(res.status, body.error ?? `HTTP ${res.status}`, body.hint ?? '', body.detail ?? '')
    }
    onState({ state: 'live' })
    delay = 500
    let ended: ApiError | undefined
    const parser = createParser({
      onEvent(message) {
        if (!message.id) {
          // The gateway ended the stream for a reason (a revoked key, a deleted account): final.
          if (message.event === 'error') ended = endError(message.data)
          return
        }
        lastEventId = message.id
        try {
          const body = JSON.parse(message.data) as StreamEvent
          onEvent(body)
        } catch {
          // Not an event body: nothing to show.
        }
      },
    })
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      parser.feed(value)
      if (ended) break
    }
    if (ended) {
      await reader.cancel().catch(() => undefined)
      throw ended
    }
  }

  void (async () => {
    onState({ state: 'connecting' })
    while (!abort.signal.aborted) {
      try {
        await connectOnce()
      } catch (error) {
        if (abort.signal.aborted) return
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          onState({ state: 'stopped', error })
          return
        }
      }
      if (abort.signal.aborted) return
      onState({ state: 'reconnecting', inMs: delay })
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay = Math.min(delay * 2, 10_000)
    }
  })()

  return () => abort.abort()
}
