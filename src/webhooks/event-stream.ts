import type { GatewayContext } from '../core/context.js'
import type { EventRecord, EventType, Mode } from '../store/records.js'
import { serializeEvent } from './event-body.js'

/** Events read from the store per page when resuming. */
const REPLAY_PAGE = 500
/** Chunks a client may fall behind by before its stream is cut (it can resume with Last-Event-ID). */
const MAX_BACKLOG = 5000

export interface StreamRequest {
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

export function startEventStreams(ctx: GatewayContext, options: { heartbeatMs?: number } = {}): EventStreams {
  const closers = new Set<() => void>()
  let stopped = false

  const hub: EventStreams = {
    heartbeatMs: options.heartbeatMs ?? 15_000,
    size: () => closers.size,
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
              closers.delete(close)
            }
            const close = () => {
              const wasOpen = open
              finish()
              if (wasOpen) controller.close()
            }
            cleanup = finish

            const unsubscribe = ctx.bus.subscribe((e) => {
              if (!ours(e)) return
              if (replaying) buffered.push(e)
              else if (e.seq > replayedThrough && wanted(e)) write(sseFrame(e))
            })
            const heartbeat = setInterval(() => write(': heartbeat\n\n'), hub.heartbeatMs)
            heartbeat.unref()
            closers.add(close)
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
      if (ctx.eventStreams === hub) ctx.eventStreams = undefined
      for (const close of [...closers]) close()
    },
  }
  ctx.eventStreams = hub
  return hub
}
