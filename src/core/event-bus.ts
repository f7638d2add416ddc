import type { EventRecord } from '../store/records.js'

type Listener = (event: EventRecord) => void

/** In-process fan-out of events already stored: the SSE stream and the delivery worker listen. */
export class EventBus {
  private readonly listeners = new Set<Listener>()

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  publish(events: EventRecord[]): void {
    for (const event of events) {
      for (const listener of this.listeners) {
        try {
          listener(event)
        } catch {
          // A listener's failure must not stop the others (or the caller) from seeing the event.
        }
      }
    }
  }
}
