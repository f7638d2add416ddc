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

/**
 * Re-reads a view when a matching live event arrives, at most once per `minGapMs` (a busy account
 * emits many events; the view needs the latest state, not one read per event).
 */
export function useLiveRefresh(load: () => void, options: { when?: (e: StreamEvent) => boolean; minGapMs?: number } = {}): void {
  const last = useRef(0)
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const latestLoad = useRef(load)
  latestLoad.current = load
  useEffect(() => () => clearTimeout(timer.current), [])
  useLiveEvents((e) => {
    if (options.when && !options.when(e)) return
    if (timer.current !== undefined) return
    const wait = Math.max(0, last.current + (options.minGapMs ?? 1000) - Date.now())
    timer.current = setTimeout(() => {
      timer.current = undefined
      last.current = Date.now()
      latestLoad.current()
    }, wait)
  })
}
