import { request } from 'node:http'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

export interface RawRequest {
  method: string
  path: string
  /** Header lines in order; a name may repeat (doubled headers are sent as two lines). */
  headers?: Array<[string, string]>
  body?: string | Buffer
}

/**
 * One HTTP request with full control over the bytes: repeated header lines, no content type,
 * invalid UTF-8. fetch() would merge, normalise or refuse some of these.
 */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl)
  const flat: string[] = ['host', url.host]
  for (const [name, value] of req.headers ?? []) flat.push(name, value)
  if (req.body !== undefined) flat.push('content-length', String(Buffer.byteLength(req.body)))
  return new Promise((resolve, reject) => {
    const r = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: flat, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    r.on('error', reject)
    r.end(req.body)
  })
}
