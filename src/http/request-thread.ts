import { NetworkError, noAnswerWithin, sendRequest, type OutboundResponse } from './request.js'

/**
 * A request as it crosses to a sending thread: its body already serialised, no signal and no
 * address check (neither can be copied to another thread).
 */
export interface ThreadRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  url: string
  headers: Record<string, string> | undefined
  body: string | Buffer | undefined
  timeoutMs: number
  maxBodyBytes: number | undefined
}

/** What crosses back: the answer, or why there was none. */
export type ThreadResponse =
  | { status: number; headers: Record<string, string>; body: string; truncated: boolean }
  | { failed: { message: string; code: string; timedOut: boolean } }

/**
 * A thread that makes exchanges for an event loop (sendRequest's `thread`). `exchange` resolves
 * with the answer, timed from the hand-over, or rejects with a NetworkError: the thread's own
 * (refused, reset, ...); timed out when no answer came back within the request's deadline counted
 * from the hand-over, so a wait for the thread counts; THREAD_STOPPED when the thread stopped
 * first. After either of the last two the request may have been sent.
 */
export interface RequestThread {
  /** True once the thread has loaded and while it runs. */
  usable(): boolean
  exchange(req: ThreadRequest): Promise<OutboundResponse>
}

/** The code of a request whose thread stopped (failed, or closed) before it answered: it may have been sent. */
export const THREAD_STOPPED = 'ETHREADSTOPPED'

/**
 * What is left on the thread of a deadline of `timeoutMs` that the event loop counts from
 * `handedAt` (the wall clock both threads share): a wait for the thread is spent from it.
 */
export function timeLeft(timeoutMs: number, handedAt: number): number {
  return timeoutMs - (Date.now() - handedAt)
}

/**
 * The thread's side: the request sent through sendRequest with what is left of its deadline, which
 * the event loop counts from the hand-over (`handedAt`, the wall clock both threads share). A
 * request whose deadline passed while it waited for the thread is not sent at all: the event loop
 * has already given up on it (and told its caller the outcome is unknown).
 */
export async function exchangeOnThisThread(req: ThreadRequest, handedAt: number): Promise<ThreadResponse> {
  const left = timeLeft(req.timeoutMs, handedAt)
  if (left <= 0) return { failed: { message: noAnswerWithin(req.timeoutMs), code: 'ETIMEDOUT', timedOut: true } }
  try {
    const res = await sendRequest({ method: req.method, url: req.url, headers: req.headers, body: req.body, timeoutMs: left, maxBodyBytes: req.maxBodyBytes })
    return { status: res.status, headers: res.headers, body: res.body, truncated: res.truncated }
  } catch (error) {
    // A timeout is worded with the request's own deadline, not what was left of it here.
    if (error instanceof NetworkError) return { failed: { message: error.timedOut ? noAnswerWithin(req.timeoutMs) : error.message, code: error.code, timedOut: error.timedOut } }
    return { failed: { message: error instanceof Error ? error.message : String(error), code: 'ECONNERROR', timedOut: false } }
  }
}
