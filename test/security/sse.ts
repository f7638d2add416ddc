import type { TestGateway } from '../helpers/gateway.js'

export interface Frame {
  id?: string
  event?: string
  data?: string
  comments: string[]
}

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
  client.ended = (async () => {
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const frame: Frame = { comments: [] }
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comments.push(line.slice(1).trim())
            else if (line.startsWith('id: ')) frame.id = line.slice(4)
            else if (line.startsWith('event: ')) frame.event = line.slice(7)
            else if (line.startsWith('data: ')) frame.data = line.slice(6)
          }
          frames.push(frame)
        }
      }
      return 'done'
    } catch (error) {
      return String(error)
    }
  })()
  return client
}
