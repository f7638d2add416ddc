import { Args, Flags } from '@oclif/core'
import { MpgError } from '../errors.js'

/** `mpg get|post PATH`: API paths may be given with or without the /api/v1 prefix. */
export function apiPath(path: string): string {
  const trimmed = path.trim()
  if (!trimmed.startsWith('/') && !/^[\w-]/.test(trimmed)) {
    throw new MpgError('usage', `"${path}" is not an API path.`, { suggestion: 'Pass a path such as /transactions or /api/v1/transactions/trx_….' })
  }
  const withSlash = trimmed.startsWith('/') ? trimmed : `/${trimmed}`
  return withSlash === '/health' || withSlash.startsWith('/api/') ? withSlash : `/api/v1${withSlash}`
}

/**
 * `-d phone=254708374149 -d amount:=10` as a JSON body: `key=value` is a string, `key:=value` is
 * raw JSON (numbers, booleans, arrays), as HTTPie writes it; or the whole body with --body.
 */
export function bodyFrom(data: string[] | undefined, raw: string | undefined): unknown {
  if (raw !== undefined) return parseJson(raw, '--body', `Quote it for your shell, e.g. --body '{"amount":10}'.`)
  const body: Record<string, unknown> = {}
  for (const item of data ?? []) {
    const match = /^([^=:]+)(:?=)(.*)$/s.exec(item)
    if (!match) throw new MpgError('usage', `-d "${item}" is not key=value or key:=json.`, { suggestion: 'Write it like -d reference=ORDER-1 -d amount:=10.' })
    const [, key, op, value] = match
    body[key] = op === ':=' ? parseJson(value, `-d ${key}`, `Write a JSON value after :=, e.g. -d ${key}:=10.`) : value
  }
  return body
}

function parseJson(text: string, what: string, suggestion: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new MpgError('usage', `${what} is not valid JSON.`, { suggestion })
  }
}

export const pathArg = { path: Args.string({ description: 'API path, e.g. /transactions or /api/v1/webhooks (the /api/v1 prefix is optional).', required: true }) }

export const rawFlags = {
  admin: Flags.boolean({ summary: 'Authenticate with the admin token instead of the API key.' }),
}
