import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CONTRACT_CHECK_ENV } from '../../src/gateway/contract-recorder.js'
import { readContractViolations } from '../helpers/contract-violations.js'

/**
 * Points MPG_CONTRACT_CHECK_FILE at a fresh file; `finish()` removes it and returns the failure
 * naming each drift the gateways recorded there, or undefined when there was none.
 */
export function startContractCheck(): { file: string; finish(): string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-contract-'))
  const file = join(dir, 'violations.ndjson')
  process.env[CONTRACT_CHECK_ENV] = file
  return {
    file,
    finish() {
      const violations = readContractViolations(file)
      rmSync(dir, { recursive: true, force: true })
      if (violations.length === 0) return undefined
      return `The gateway answered ${violations.length} thing(s) its OpenAPI document does not describe (fix src/gateway/openapi/ or the route):\n${violations.map((v) => `  - ${v}`).join('\n')}`
    },
  }
}

/**
 * Holds every answer any test receives from a gateway to the OpenAPI document, whatever the client
 * (api(), the SDK, the CLI, curl snippets, a spawned `mpg serve`): the variable set here reaches
 * every test worker and every process they spawn, each gateway appends the drifts it answered to
 * one file, and the run fails at the end naming each of them.
 */
export default function setup() {
  const check = startContractCheck()
  return () => {
    const failure = check.finish()
    if (failure === undefined) return
    // vitest prints an error thrown here but would still exit 0.
    process.exitCode = 1
    throw new Error(failure)
  }
}
