/**
 * The OpenAPI check of src/gateway/openapi/contract.ts, for tests that want a drift to fail at the
 * call (api()/admin(), the checking proxy) and for the coverage list of openapi.test.ts (`seen`).
 * Every gateway answer is also checked inside the gateway (MPG_CONTRACT_CHECK_FILE, test/setup/contract.ts).
 */
import { createContractChecker, type CheckedAnswer } from '../../src/gateway/openapi/contract.js'
import { openApiDocument } from '../../src/gateway/openapi/document.js'
import { packageVersion } from '../../src/gateway/openapi/version.js'

export const document = openApiDocument(packageVersion())

const checker = createContractChecker(document)

/** Which documented answers the checks have seen, as `GET /api/v1/transactions/{id} 200`. */
export const seen = new Set<string>()

export const operationFor = checker.operationFor

/**
 * Throws when `response` is not what the document says `method url` answers. Reads a clone of the
 * body (never for event streams), so the caller can still read it.
 */
export async function checkResponse(method: string, url: string, response: CheckedAnswer): Promise<void> {
  const route = checker.operationFor(method, url)
  if (!route) return
  const why = await checker.check(method, url, response)
  if (why !== undefined) throw new Error(`OpenAPI drift: ${route.method} ${route.path} → ${response.status}: ${why}`)
  seen.add(`${route.method} ${route.path} ${response.status}`)
}
