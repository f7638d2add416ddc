import type { EventRecord } from '../store/records.js'
import type { Store } from '../store/store.js'
import { EventBus } from './event-bus.js'
import type { Logger } from './logger.js'

/** Events read per page. */
const PAGE = 500
/** How often the store is read when nothing hastens it: the longest a remote event waits. */
export const FEED_POLL_MS = 250

/**
 * The event bus of a process sharing its store with others: listeners (streams, the delivery
 * worker) get every event of the store, whichever process stored it, once and in seq order, read
 * from the store after a cursor. publish() after a local write only hastens the next read. The
 * store makes events visible in seq order, so the cursor never skips one.
 */
export class StoreEventBus extends EventBus {
  private cursor = 0
  private reading: Promise<void> | undefined
  private again = false
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {
    super()
  }

  /** Starts after the events already stored (streams replay older ones from the store). */
  async start(): Promise<void> {
    this.cursor = await this.store.lastEventSeq()
    this.timer = setInterval(() => this.read(), FEED_POLL_MS)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  override publish(_events: EventRecord[]): void {
    this.read()
  }

  /** One read at a time; a request during a read runs another right after it. */
  private read(): void {
    if (this.stopped || this.timer === undefined) return
    if (this.reading) {
      this.again = true
      return
    }
    this.reading = this.drain()
      .catch((error) => this.log.error('events.feed_failed', { message: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        this.reading = undefined
        if (this.again) {
          this.again = false
          this.read()
        }
      })
  }

  private async drain(): Promise<void> {
    for (;;) {
      const page = await this.store.listAllEventsAfter(this.cursor, PAGE)
      for (const event of page) {
        if (this.stopped) return
        this.cursor = event.seq
        super.publish([event])
      }
      if (page.length < PAGE) return
    }
  }
}
