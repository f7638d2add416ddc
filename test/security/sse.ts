import { readFrames, type Frame } from '../helpers/sse-frames.js'
import type { TestGateway } from '../helpers/gateway.js'

/** A raw SSE reader over fetch, for what a client sees on the wire. */
export interface SseClient {
  status: number
  headers: Headers
  body: string
  frames: Frame[]
  /** Resolves when the server ends the stream ('done'), or with the error text. */
  ended: Promise<string>
  abort(): void
}

export async function openSse(gateway: TestGateway, auth?: string): Promise<SseClient> {
  const controller = new AbortController()
  const res = await gateway.api('/api/v1/events/stream', { headers: { accept: 'text/event-stream' }, signal: controller.signal, auth })
  const frames: Frame[] = []
  const client: SseClient = { status: res.status, headers: res.headers, body: '', frames, ended: Promise.resolve('not a stream'), abort: () => controller.abort() }
  if (res.status !== 200 || !res.body) {
    client.body = await res.text()
    return client
  }
  client.ended = readFrames(res.body, frames)
  return client
}
