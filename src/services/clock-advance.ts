import { z } from 'zod'
import { MpgError } from '../errors.js'
import { MAX_ADVANCE_MS } from '../schemas/clock.js'
import { formatDuration, parseDuration } from '../utils/duration.js'
import { postToEmulator } from './emulator-resolve.js'

/** What `POST /__emulator/clock/advance` answers (the gateway's adds `ran` and `emulator`). */
const advancedSchema = z
  .object({
    from: z.string().optional(),
    to: z.string().optional(),
    now: z.string().optional(),
    advanced_ms: z.number(),
    ran: z.record(z.string(), z.number()).optional(),
    emulator: z.string().optional(),
  })
  .passthrough()
export type ClockAdvanced = z.infer<typeof advancedSchema> & { target: 'gateway' | 'emulator' }

/** A waiting budget for the answer: a day of retries runs before the gateway answers. */
const ADVANCE_TIMEOUT_MS = 120_000

/** `24h` → milliseconds, or a usage error that shows the forms it takes. */
export function durationArgument(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined) {
    throw new MpgError('usage', `"${text}" is not a duration.`, { suggestion: 'Write it like 90s, 15m, 24h, 1d or 1h30m (or a number of milliseconds), e.g. `mpg emulator clock advance 24h`.' })
  }
  if (ms > MAX_ADVANCE_MS) {
    throw new MpgError('usage', `${text} is more than the ${formatDuration(MAX_ADVANCE_MS)} time may move at once.`, { suggestion: 'Advance in steps of at most 31d.' })
  }
  return ms
}

/**
 * Moves test time forward: on a gateway in test mode (`MPG_TEST_MODE=1 mpg serve`) the gateway's
 * clock and its emulator's together, with every retry, reconciliation and expiry due on the way;
 * with `emulatorUrl`, only that standalone emulator's clock.
 */
export async function advanceClock(input: { gatewayUrl: string; emulatorUrl?: string; ms: number }): Promise<ClockAdvanced> {
  const target = input.emulatorUrl ? 'emulator' : 'gateway'
  const url = input.emulatorUrl ?? input.gatewayUrl
  const { base, status, text, body } = await postToEmulator(url, 'clock/advance', { by: input.ms }, ADVANCE_TIMEOUT_MS)
  if (status === 200) {
    const parsed = advancedSchema.safeParse(body)
    if (parsed.success) return { ...parsed.data, target }
  }
  if (status === 400 && body?.error) throw new MpgError('usage', `${base.origin} refused it: ${typeof body.detail === 'string' && body.detail ? body.detail : body.error}.`, { suggestion: body.hint })
  if (status === 404 && target === 'gateway') {
    throw new MpgError('usage', `The gateway at ${base.origin} is not in test mode, so its time cannot be moved.`, {
      suggestion: 'Start it with MPG_TEST_MODE=1 mpg serve (emulator mode), or pass --emulator-url to move only a standalone emulator’s clock.',
    })
  }
  throw new MpgError('upstream', `Unexpected answer from ${base.origin}: HTTP ${status}.`, {
    suggestion: target === 'gateway' ? 'Is --base-url a gateway started with MPG_TEST_MODE=1, and is it this version?' : 'Is --emulator-url pointing at `mpg emulator start`, and is it this version?',
    detail: text.slice(0, 500),
  })
}

/** One line for people: how far, to when, and what ran on the way. */
export function describeAdvance(result: ClockAdvanced): string {
  const what = result.target === 'gateway' ? (result.emulator === 'moved' ? 'the gateway and its emulator' : 'the gateway') : 'the emulator'
  const to = result.to ?? result.now
  const ran = Object.entries(result.ran ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, n]) => `${label} ×${n}`)
  return `Moved ${what} ${formatDuration(result.advanced_ms)} ahead${to ? `, to ${to}` : ''}.${result.ran ? ` Ran: ${ran.length > 0 ? ran.join(', ') : 'nothing was due'}.` : ''}`
}
