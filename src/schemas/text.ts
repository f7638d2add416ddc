import { z } from 'zod'

/** False for text holding a control character (NUL included, which PostgreSQL refuses to store or compare). */
export const noControlChars = (value: string) => !/[\u0000-\u001f\u007f]/.test(value)

/** Text a person gives (a name, a reference): trimmed, 1 to `max` characters, no control characters. */
export const boundedText = (name: string, max: number) =>
  z
    .string({ error: `${name} is required and must be a string` })
    .trim()
    .min(1, `${name} must not be blank`)
    .max(max, `${name} must be at most ${max} characters`)
    .refine(noControlChars, `${name} must not contain control characters`)
