import type { GatewayContext } from '../core/context.js'
import type { EventRecord, EventType, Mode } from '../store/records.js'
import { serializeEvent } from './event-body.js'

/** Events read from the store per page when resuming. */
const REPLAY_PAGE = 500
/** Chunks a client may fall behind by before its stream is cut (it can resume with Last-Event-ID). */
const MAX_BACKLOG = 5000

export interface StreamRequest {
  /** SHA-256 of the API key that opened the stream: re-checked while it is open. */
  keyHash: string
  accountId: string
  mode: Mode
  /** Resume after this event (its seq); undefined streams new events only. */
  afterSeq?: number
  /** Only these types; empty means all. */
  events: EventType[]
}

export interface EventStreams {
  /** An SSE body: replays from the store when resuming, then follows the bus. */
  open(request: StreamRequest): ReadableStream<Uint8Array>
  /** Streams open now. */
  size(): number
  /** Streams open now with this key. */
  countFor(keyHash: string): number
  /**
   * Re-checks every open stream's key and account against the store and ends those that lost
   * their access (revoked key, deleted account). Runs every `recheckMs`; a revoke on this
   * instance calls it at once.
   */
  revalidate(): Promise<void>
  /** Heartbeat comment interval (ms); tests may lower it before opening streams. */
  heartbeatMs: number
  /** Idempotent: ends every open stream and refuses new ones, so the gateway's close never waits on them. */
  stop(): Promise<void>
}

const encoder = new TextEncoder()

/** One SSE frame: `id:` the event id, `event:` its type, `data:` the webhook body (single-line JSON). */
export function sseFrame(e: EventRecord): string {
  return `id: ${e.id}\nevent: ${e.event}\ndata: ${serializeEvent(e)}\n\n`
}

/** Why an open stream was ended: sent as its last frame, `event: error`, data `{error, hint, detail}`. */
export interface StreamEnd {
  error: string
  hint: string
  detail: string
}

const KEY_REVOKED: StreamEnd = {
  error: 'API key revoked',
  hint: 'This key no longer grants access; reconnect with a valid key (`mpg keys create`).',
  detail: 'the key was revoked while the stream was open',
}
const ACCOUNT_GONE: StreamEnd = {
  error: 'Account deleted',
  hint: 'The key\'s account no longer exists; use a key of another account.',
  detail: 'the account was deleted while the stream was open',
}

/** How often open streams re-check their key against the store (revocation reaches them within this, on every instance). */
export const STREAM_RECHECK_MS = 1000

interface OpenStream {
  keyHash: string
  accountId: string
  close(): void
  end(reason: StreamEnd): void
}

export function startEventStreams(ctx: GatewayContext, options: { heartbeatMs?: number; recheckMs?: number } = {}): EventStreams {
  const streams = new Set<OpenStream>()
  let stopped = false
  let checking: Promise<void> | undefined

  const check = async () => {
    const byKey = new Map<string, OpenStream[]>()
    for (const s of streams) byKey.set(s.keyHash, [...(byKey.get(s.keyHash) ?? []), s])
    const accounts = new Map<string, boolean>()
    for (const [keyHash, group] of byKey) {
      const key = await ctx.store.findApiKeyByHash(keyHash)
      let reason: StreamEnd | undefined = !key || key.revoked_at ? KEY_REVOKED : undefined
      if (!reason && key) {
        if (!accounts.has(key.account_id)) accounts.set(key.account_id, (await ctx.store.getAccount(key.account_id)) !== undefined)
        if (!accounts.get(key.account_id)) reason = ACCOUNT_GONE
      }
      if (reason) {
        ctx.log.info('events.stream_revoked', { streams: group.length, reason: reason.error })
        for (const s of group) s.end(reason)
      }
    }
  }

  const revalidate = (): Promise<void> => {
    // One check at a time; a call during a check waits for it and then checks again.
    const run = (checking ?? Promise.resolve())
      .then(check)
      .catch((error) => ctx.log.error('events.recheck_failed', { message: error instanceof Error ? error.message : String(error) }))
    checking = run.finally(() => {
      if (checking === run) checking = undefined
    })
    return run
  }
  const recheck = setInterval(() => {
    if (streams.size > 0 && !checking) void revalidate()
  }, options.recheckMs ?? STREAM_RECHECK_MS)
  recheck.unref()

  const hub: EventStreams = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    size: () => streams.size,
    countFor: (keyHash) => {
      let n = 0
      for (const s of streams) if (s.keyHash === keyHash) n++
      return n
    },
    revalidate,
    open(request) {
      let cleanup = () => {}
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            let open = true
            let replaying = true
            let replayedThrough = request.afterSeq ?? 0
            const buffered: EventRecord[] = []
            const write = (text: string) => {
              if (!open) return
              if ((controller.desiredSize ?? 0) < -MAX_BACKLOG) {
                ctx.log.warn('events.stream_slow', { message: 'client fell too far behind; stream cut' })
                finish()
                controller.error(new Error('client too slow'))
                return
              }
              controller.enqueue(encoder.encode(text))
            }
            const wanted = (e: EventRecord) => request.events.length === 0 || request.events.includes(e.event)
            const ours = (e: EventRecord) => e.account_id === request.accountId && e.mode === request.mode
            const finish = () => {
              if (!open) return
              open = false
              clearInterval(heartbeat)
              unsubscribe()
              streams.delete(entry)
            }
            const close = () => {
              const wasOpen = open
              finish()
              if (wasOpen) controller.close()
            }
            const end = (reason: StreamEnd) => {
              write(`event: error\ndata: ${JSON.stringify(reason)}\n\n`)
              close()
            }
            const entry: OpenStream = { keyHash: request.keyHash, accountId: request.accountId, close, end }
            cleanup = finish

            const unsubscribe = ctx.bus.subscribe((e) => {
              if (!ours(e)) return
              if (replaying) buffered.push(e)
              else if (e.seq > replayedThrough && wanted(e)) write(sseFrame(e))
            })
            const heartbeat = setInterval(() => write(': heartbeat\n\n'), hub.heartbeatMs)
            heartbeat.unref()
            streams.add(entry)
            write(': connected\nretry: 3000\n\n')

            const replay = async () => {
              if (request.afterSeq !== undefined) {
                for (;;) {
                  const page = await ctx.store.listEventsAfter(request.accountId, request.mode, replayedThrough, REPLAY_PAGE)
                  for (const e of page) {
                    if (!open) return
                    replayedThrough = e.seq
                    if (wanted(e)) write(sseFrame(e))
                  }
                  if (page.length < REPLAY_PAGE) break
                }
              }
              // Live events that arrived during the replay; the ones already replayed are skipped.
              replaying = false
              for (const e of buffered.splice(0)) if (e.seq > replayedThrough && wanted(e)) write(sseFrame(e))
            }
            replay().catch((error) => {
              ctx.log.error('events.replay_failed', { message: error instanceof Error ? error.message : String(error) })
              close()
            })
          },
          cancel() {
            // The client went away (srvx cancels the body when the response closes).
            cleanup()
          },
        },
        { highWaterMark: 64 },
      )
    },
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(recheck)
      if (ctx.eventStreams === hub) ctx.eventStreams = undefined
      for (const s of [...streams]) s.close()
    },
  }
  ctx.eventStreams = hub
  return hub
}
