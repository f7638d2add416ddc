import { createContext } from 'preact'
import { useContext, useEffect, useRef } from 'preact/hooks'
import type { StreamEvent } from './stream'

/** Fans the one event stream of the session out to the views that are showing. */
export class LiveEvents {
  #listeners = new Set<(e: StreamEvent) => void>()
  emit(e: StreamEvent): void {
    for (const listener of this.#listeners) listener(e)
  }
  subscribe(listener: (e: StreamEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

export const LiveContext = createContext(new LiveEvents())

/** Calls `onEvent` for every live event while the component is mounted (always the latest closure). */
export function useLiveEvents(onEvent: (e: StreamEvent) => void): void {
  const live = useContext(LiveContext)
  const latest = useRef(onEvent)
  latest.current = onEvent
  useEffect(() => live.subscribe((e) => latest.current(e)), [live])
}
