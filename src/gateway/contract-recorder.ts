import { appendFileSync } from 'node:fs'
import { maskCallbackToken } from '../utils/callback-paths.js'
import type { ContractChecker } from './openapi/contract.js'
import type { RouteEvent } from './route.js'

/** Set by the test setup: every answer is held to the OpenAPI document and each drift appended here. */
export const CONTRACT_CHECK_ENV = 'MPG_CONTRACT_CHECK_FILE'

/** One answer that the OpenAPI document does not describe, as one NDJSON line of the file. */
export interface ContractViolation {
  method: string
  path: string
  status: number
  why: string
}

export type ContractHook = (response: Response, event: Pick<RouteEvent, 'req' | 'url'>) => Promise<void>

/**
 * The gateway's response contract check, for the tests: when MPG_CONTRACT_CHECK_FILE names a
 * file, each answer is checked against the OpenAPI document before it is sent and every drift is
 * appended to the file (the test run's teardown fails on them). Unset (production), this returns
 * undefined and neither the checker nor ajv is ever loaded.
 */
export function contractRecorder(file = process.env[CONTRACT_CHECK_ENV], load: () => Promise<ContractChecker> = loadChecker): ContractHook | undefined {
  if (!file) return undefined
  let checker: Promise<ContractChecker> | undefined
  return async (response, event) => {
    checker ??= load()
    const method = event.req.method
    const path = event.url.pathname
    const why = await (await checker).check(method, path, response)
    if (why === undefined) return
    const violation: ContractViolation = { method, path: maskCallbackToken(path), status: response.status, why }
    appendFileSync(file, `${JSON.stringify(violation)}\n`)
  }
}

async function loadChecker(): Promise<ContractChecker> {
  const [{ createContractChecker }, { openApiDocument }, { packageVersion }] = await Promise.all([
    import('./openapi/contract.js'),
    import('./openapi/document.js'),
    import('./openapi/version.js'),
  ])
  return createContractChecker(openApiDocument(packageVersion()))
}
