import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { parseJsonObject } from './validate.js'

/** A request as the emulator's handlers see it (plain data, so handlers stay plain functions). */
export interface EmRequest {
  method: string
  /** The path, without the query string. */
  path: string
  /** The query string with its `?`, or ''. */
  search: string
  /** The query string parsed (on first use). */
  readonly query: URLSearchParams
  /** Node's header object: lower-case names. */
  headers: IncomingHttpHeaders
  bodyText: string
  /** The body parsed as a JSON object (parsed once, on first use); undefined when it is not one. */
  readonly json: Record<string, unknown> | undefined
}

export type { EmResponse } from './errors.js'

/** Unreserved characters written as escapes (`%6D` for `m`): read as the character itself, as URL routers do. */
const NEEDLESS_ESCAPE = /%(?:2[DdEe]|3[0-9]|4[1-9A-Fa-f]|5[0-9Aa]|5[Ff]|6[1-9A-Fa-f]|7[0-9Aa]|7[Ee])/g
/** Paths that need no normalising: letters, digits and `/-_` only (every Daraja path). */
const PLAIN_PATH = /^\/[\w\-/]*$/

/**
 * Splits a request target into path and query. A path with dot segments, odd characters or
 * escapes is normalised the way a URL parser does (`/a/../b` → `/b`); a malformed escape
 * (`%E0%A4%A`) is kept as sent, so it reaches the route table and gets Daraja's own 404.
 */
export function splitTarget(target: string): { path: string; search: string } {
  const q = target.indexOf('?')
  let path = q === -1 ? target : target.slice(0, q)
  let search = q === -1 ? '' : target.slice(q)
  if (PLAIN_PATH.test(path)) return { path, search }
  try {
    const url = new URL(target[0] === '/' ? `http://localhost${target}` : target)
    path = url.pathname
    search = url.search
  } catch {
    // kept as sent
  }
  if (path.includes('%')) path = path.replace(NEEDLESS_ESCAPE, (escape) => String.fromCharCode(Number.parseInt(escape.slice(1), 16)))
  return { path, search }
}

/** An EmRequest over a Node request whose body has been read. */
class NodeEmRequest implements EmRequest {
  readonly method: string
  readonly path: string
  readonly search: string
  readonly headers: IncomingHttpHeaders
  readonly bodyText: string
  #query: URLSearchParams | undefined
  #json: Record<string, unknown> | undefined | null = null

  constructor(req: IncomingMessage, bodyText: string) {
    const { path, search } = splitTarget(req.url ?? '/')
    this.method = req.method ?? 'GET'
    this.path = path
    this.search = search
    this.headers = req.headers
    this.bodyText = bodyText
  }

  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.search))
  }

  get json(): Record<string, unknown> | undefined {
    if (this.#json === null) this.#json = this.bodyText === '' ? undefined : parseJsonObject(this.bodyText)
    return this.#json
  }
}

export function emRequest(req: IncomingMessage, bodyText: string): EmRequest {
  return new NodeEmRequest(req, bodyText)
}

/** A header's value ('' when missing); a repeated one is joined with `, `. */
export function header(req: EmRequest, name: string): string {
  const value = req.headers[name]
  return value === undefined ? '' : Array.isArray(value) ? value.join(', ') : value
}

/** The bearer token of a request, '' when the header is missing or not `Bearer`. */
export function bearerToken(req: EmRequest): string {
  const value = header(req, 'authorization')
  // The usual shape, without a regular expression.
  if (value.startsWith('Bearer ') && value.indexOf(' ', 7) === -1) return value.slice(7)
  const match = /^Bearer\s+(.*)$/i.exec(value.trim())
  return match ? match[1].trim() : ''
}
