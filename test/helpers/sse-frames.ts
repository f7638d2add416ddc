/** One SSE frame as the wire has it: fields read line by line, comments kept. */
export interface Frame {
  id?: string
  event?: string
  data?: string
  comments: string[]
}

/**
 * Reads an SSE body into `frames` (split on blank lines) as it arrives. Resolves 'done' when the
 * server ends the stream, or with the error text (an abort, a reset).
 */
export async function readFrames(body: ReadableStream<Uint8Array>, frames: { push(frame: Frame): unknown }): Promise<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
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
}

/** The event ids of an SSE body as they arrive (frames without an id, such as keep-alives, skipped). */
export function readEventIds(body: ReadableStream<Uint8Array>): { ids: string[]; done: Promise<string> } {
  const ids: string[] = []
  const done = readFrames(body, { push: (frame) => frame.id !== undefined && ids.push(frame.id) })
  return { ids, done }
}
