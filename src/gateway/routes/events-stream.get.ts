import { streamQuerySchema } from '../../schemas/webhooks.js'
import { ApiError, validationError } from '../errors.js'
import { requireApiKey } from '../middleware/auth.js'
import { enforceStreamLimit } from '../middleware/rate-limit.js'
import { defineRoute } from '../route.js'

const EVENT_ID = /^evt_[0-9A-Za-z]{1,64}$/

export default defineRoute({
  method: 'GET',
  path: '/api/v1/events/stream',
  handler: async (ctx, event) => {
    const auth = await requireApiKey(ctx, event)
    const query = streamQuerySchema.safeParse(Object.fromEntries(event.url.searchParams))
    if (!query.success) throw validationError(query.error, 'Use ?events=payment.success,payout.failed (optional) and resume with the Last-Event-ID header.')
    const lastEventId = event.req.headers.get('last-event-id')?.trim() || query.data.last_event_id
    let afterSeq: number | undefined
    if (lastEventId) {
      const found = EVENT_ID.test(lastEventId) ? await ctx.store.getEvent(lastEventId) : undefined
      if (!found || found.account_id !== auth.account.id || found.mode !== auth.mode) {
        throw new ApiError(400, 'Unknown Last-Event-ID', 'Resume with an id from the `id:` lines of this stream, or connect without Last-Event-ID for new events only.', '')
      }
      afterSeq = found.seq
    }
    if (ctx.serverless) {
      throw new ApiError(503, 'Event stream unavailable', 'This gateway runs as a serverless fetch handler, which cannot hold streams open: use webhooks, or poll GET /api/v1/transactions/{id}. A long-running gateway (mpg serve) serves the stream.', 'no event stream in a fetch handler')
    }
    const streams = ctx.eventStreams
    if (!streams) throw new ApiError(503, 'Event stream unavailable', 'The gateway is starting or shutting down; reconnect in a moment.', '')
    const headers = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    }
    // h3 answers HEAD with this GET route: a stream opened for it would never be read nor cancelled.
    if (event.req.method === 'HEAD') return new Response(null, { status: 200, headers })
    enforceStreamLimit(ctx, auth, streams.countFor(auth.key.hash))
    const body = streams.open({ keyHash: auth.key.hash, accountId: auth.account.id, mode: auth.mode, afterSeq, events: query.data.events ?? [] })
    return new Response(body, { status: 200, headers })
  },
})
