import { z } from 'zod'
import { MpgError } from '../errors.js'
import { postToEmulator } from './emulator-resolve.js'

/** The emulator's named race scenarios (kept in step with emulator/races.ts by test/cli/emulator-scenario.test.ts). */
export const RACE_NAMES = ['late-success', 'callback-before-ack', 'duplicate-callback', 'lost-callback', 'query-lags', 'b2c-result-lost'] as const
export type RaceName = (typeof RACE_NAMES)[number]

const armedRaceSchema = z.object({
  name: z.enum(RACE_NAMES),
  phone: z.string(),
  description: z.string(),
  scenario: z.object({ id: z.string(), product: z.string() }).passthrough(),
})
export type ArmedRace = z.infer<typeof armedRaceSchema>

export interface ArmRaceInput {
  emulatorUrl: string
  name: RaceName
  phone: string
  delayMs?: number
}

/** Arms a race scenario for one phone through the emulator's control API (`POST /__emulator/races`). */
export async function armRace(input: ArmRaceInput): Promise<ArmedRace> {
  const { base, status, text, body } = await postToEmulator(input.emulatorUrl, 'races', {
    name: input.name,
    phone: input.phone,
    ...(input.delayMs === undefined ? {} : { delay_ms: input.delayMs }),
  })
  if (status === 201) {
    const parsed = armedRaceSchema.safeParse(body?.race)
    if (parsed.success) return parsed.data
  }
  if (status === 400 && body?.error) throw new MpgError('usage', `The emulator refused the scenario: ${body.error}.`, { suggestion: body.hint })
  throw new MpgError('upstream', `Unexpected answer from ${base.origin}: HTTP ${status}.`, {
    suggestion: 'Is --emulator-url pointing at `mpg emulator start` (or a gateway running on the emulator), and is it this version?',
    detail: text.slice(0, 500),
  })
}
