import type { z } from 'zod'
import { ControlError } from '../errors.js'
import type { EmRequest } from '../http.js'

/** Parses a control-API body with a zod schema; bad input → 400 `{ error, hint, detail }`. */
export function readControlBody<S extends z.ZodType>(req: EmRequest, schema: S, hint: string): z.output<S> {
  const body = req.bodyText.trim() === '' ? {} : req.json
  if (!body) throw new ControlError(400, 'the body must be a JSON object', hint)
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
    const first = issues[0]
    throw new ControlError(400, `invalid body: ${first.path ? `${first.path}: ` : ''}${first.message}`, hint, issues)
  }
  return parsed.data
}
