/** A request as the emulator's handlers see it (independent of h3, so handlers stay plain functions). */
export interface EmRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Headers
  bodyText: string
  /** The body parsed as a JSON object (parsed once, on first use); undefined when it is not one. */
  readonly json: Record<string, unknown> | undefined
}

export type { EmResponse } from './errors.js'

/** The bearer token of a request, '' when the header is missing or not `Bearer`. */
export function bearerToken(req: EmRequest): string {
  const header = req.headers.get('authorization') ?? ''
  const match = /^Bearer\s+(.*)$/i.exec(header.trim())
  return match ? match[1].trim() : ''
}
