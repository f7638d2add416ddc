import { subscribe } from 'node:diagnostics_channel'

/** Header values never printed whole. */
const SECRET_HEADERS = new Set(['authorization', 'idempotency-key', 'cookie', 'x-mpesa-gateway-signature', 'webhook-signature'])

/** Keeps enough of a secret to recognise it: `Bearer mpg_test_ab…wxyz`. */
export function maskHeaderValue(value: string): string {
  return value.replace(/(Bearer\s+)?(mpg_(?:test|live)_|whsec_|v1,)?(\S{2})\S{6,}(\S{4})/i, (_m, bearer = '', prefix = '', head, tail) => `${bearer}${prefix}${head}…${tail}`)
}

/** Callback tokens in URLs are secrets too. */
function maskPath(path: string): string {
  return path.replace(/(\/callbacks\/daraja\/(?:stk|b2c(?:\/timeout)?)\/)[^/?]+/, '$1***')
}

function headerPairs(headers: unknown): Array<[string, string]> {
  if (Array.isArray(headers)) {
    const flat = headers.flat() as unknown[]
    const pairs: Array<[string, string]> = []
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])])
    return pairs
  }
  if (typeof headers === 'string') {
    return headers
      .split('\r\n')
      .filter(Boolean)
      .map((line) => {
        const at = line.indexOf(':')
        return [line.slice(0, at), line.slice(at + 1).trim()] as [string, string]
      })
  }
  return []
}

let installed = false

/**
 * `--log-level debug` / `MPG_DEBUG=1`: every HTTP exchange of the one outbound path (undici) on
 * stderr, through undici's diagnostics channels, so nothing in the request path changes. Secrets
 * (API keys, admin token, signatures, callback tokens) are masked.
 */
export function traceHttp(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  if (installed) return
  installed = true
  const started = new WeakMap<object, number>()
  const show = (pairs: Array<[string, string]>) =>
    pairs.map(([name, value]) => `    ${name.toLowerCase()}: ${SECRET_HEADERS.has(name.toLowerCase()) ? maskHeaderValue(value) : value}`)
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: { method: string; origin: string; path: string; headers: unknown } }
    started.set(request, performance.now())
    write([`[debug] > ${request.method} ${request.origin}${maskPath(request.path)}`, ...show(headerPairs(request.headers))].join('\n'))
  })
  subscribe('undici:request:headers', (message) => {
    const { request, response } = message as { request: object & { method: string; origin: string; path: string }; response: { statusCode: number; headers: unknown } }
    const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()))
    const headers = headerPairs((response.headers as Buffer[] | undefined)?.map((h) => h.toString()))
    write([`[debug] < ${response.statusCode} ${request.method} ${request.origin}${maskPath(request.path)} (${ms} ms)`, ...show(headers)].join('\n'))
  })
  subscribe('undici:request:error', (message) => {
    const { request, error } = message as { request: { method: string; origin: string; path: string }; error: Error }
    write(`[debug] ! ${request.method} ${request.origin}${maskPath(request.path)}: ${error.message}`)
  })
}
