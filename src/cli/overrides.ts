import { MpgError } from '../errors.js'
import { stkPushBodySchema } from '../schemas/gateway.js'
import { parseAmount, parsePhone } from './flags.js'

/** A free-text field checked with the API's own schema, as typed at a flag or a prompt. */
export const parseReference = (text: string): string => parseField(stkPushBodySchema.shape.reference, text)
export const parseDescription = (text: string): string => parseField(stkPushBodySchema.shape.description, text)

function parseField(schema: typeof stkPushBodySchema.shape.reference, text: string): string {
  const parsed = schema.safeParse(text)
  if (!parsed.success) throw new Error(parsed.error.issues[0].message)
  return parsed.data
}

const FIELDS = {
  phone: parsePhone,
  amount: parseAmount,
  reference: parseReference,
  description: parseDescription,
} as const
type Field = keyof typeof FIELDS

/**
 * `--override amount=5,phone=0712345678` (Stripe's `trigger --override`): fields of the STK push
 * a trigger sends, each checked like the matching `mpg stk-push` flag.
 */
export function parseOverrides(values: string[] | undefined): { phone?: string; amount?: number; reference?: string; description?: string } {
  const out: Record<string, string | number> = {}
  for (const item of (values ?? []).flatMap((v) => v.split(','))) {
    const at = item.indexOf('=')
    const key = (at < 0 ? item : item.slice(0, at)).trim() as Field
    if (at < 0 || !(key in FIELDS)) {
      throw new MpgError('usage', `--override "${item}" is not field=value with one of ${Object.keys(FIELDS).join(', ')}.`, {
        suggestion: 'Write it like --override amount=5,phone=254708374149.',
      })
    }
    try {
      out[key] = FIELDS[key](item.slice(at + 1).trim())
    } catch (error) {
      throw new MpgError('usage', `--override ${key}: ${(error as Error).message}.`, { suggestion: `Correct ${key}= and try again.` })
    }
  }
  return out
}
