import type { Emulator } from '../emulator.js'
import type { EmResponse } from '../errors.js'
import type { EmRequest } from '../http.js'
import { listRaces, raceInputSchema, raceScenario, type RaceInput, type RaceName } from '../races.js'
import type { Scenario } from '../scenarios.js'
import { readControlBody } from './body.js'

const HINT = 'Send e.g. {"name":"late-success","phone":"254712345678","delay_ms":120000}; names: GET /__emulator/races.'

/** What arming a race gives back: the race and the ordinary scenario it became. */
export interface ArmedRace {
  name: RaceName
  phone: string
  description: string
  scenario: Scenario
}

/** Arms a race for one phone (replacing that phone's scenario for the product). */
export function armRace(em: Emulator, raw: RaceInput): ArmedRace {
  const input = raceInputSchema.parse(raw)
  const race = listRaces().find((r) => r.name === input.name)!
  return { name: input.name, phone: input.phone, description: race.description, scenario: em.scenarios.add(raceScenario(input)) }
}

/** `POST /__emulator/races` → 201 `{ race }`. */
export function addRace(em: Emulator, req: EmRequest): EmResponse {
  const input = readControlBody(req, raceInputSchema, HINT)
  return { status: 201, body: { race: armRace(em, input) } }
}

/** `GET /__emulator/races` → `{ races: [{ name, description, takes_delay }] }`. */
export function listRaceNames(): EmResponse {
  return { status: 200, body: { races: listRaces() } }
}
