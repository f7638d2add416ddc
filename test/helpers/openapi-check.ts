/**
 * Holds gateway responses to the OpenAPI document: the status must be one the operation documents,
 * the media type the documented one, the JSON body valid against the documented schema, and every
 * API header the response carries (Idempotent-Replayed, RateLimit*, Retry-After) documented for
 * that status. Paths the document does not cover (Daraja callbacks, dashboard files, unknown paths)
 * are not checked.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import { openApiDocument } from '../../src/gateway/openapi/document.js'
import { packageVersion } from '../../src/gateway/openapi/version.js'

type Json = Record<string, unknown>

const DOC_ID = 'https://mpesa-gateway.local/openapi.json'
/** The response headers of the API itself (transport headers like content-length are not the document's business). */
const API_HEADERS = ['idempotent-replayed', 'ratelimit-policy', 'ratelimit', 'retry-after']

export const document = openApiDocument(packageVersion())

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
ajv.addSchema(document, DOC_ID)

interface Route {
  method: string
  path: string
  pattern: RegExp
  op: Json
}

const routes: Route[] = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    op,
  })),
)

/** Which documented answers the checks have seen, as `GET /api/v1/transactions/{id} 200`. */
export const seen = new Set<string>()

const validators = new Map<string, ValidateFunction>()

function validatorFor(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema)
  let v = validators.get(key)
  if (!v) {
    v = typeof schema.$ref === 'string' ? ajv.getSchema(`${DOC_ID}${schema.$ref}`) : ajv.compile(schema)
    if (!v) throw new Error(`OpenAPI document: ${schema.$ref as string} does not resolve`)
    validators.set(key, v)
  }
  return v
}

/** The operation a request hits, or undefined when the document does not describe that path. */
export function operationFor(method: string, url: string): Route | undefined {
  const path = new URL(url, 'http://x').pathname
  return routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path))
}

/**
 * Throws when `response` is not what the document says `method url` answers. Reads a clone of the
 * body (never for event streams), so the caller can still read it.
 */
export async function checkResponse(method: string, url: string, response: Response): Promise<void> {
  const route = operationFor(method, url)
  if (!route) return
  const where = `${route.method} ${route.path} → ${response.status}`
  const answer = (route.op.responses as Record<string, Json>)[String(response.status)]
  if (!answer) throw new Error(`OpenAPI drift: ${where} is not documented (documented: ${Object.keys(route.op.responses as Json).join(', ')})`)
  seen.add(`${route.method} ${route.path} ${response.status}`)
  const headers = (answer.headers ?? {}) as Json
  const documented = new Set(Object.keys(headers).map((h) => h.toLowerCase()))
  for (const name of API_HEADERS) {
    const value = response.headers.get(name)
    if (value === null) continue
    if (!documented.has(name)) throw new Error(`OpenAPI drift: ${where} sends header ${name} that the document does not list`)
    const ref = Object.entries(headers).find(([h]) => h.toLowerCase() === name)?.[1] as Json
    const headerSchema = ((document.components as Json).headers as Record<string, Json>)[(ref.$ref as string).split('/').pop() as string].schema as Json
    const validate = validatorFor(headerSchema)
    if (!validate(value)) throw new Error(`OpenAPI drift: ${where} header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`)
  }
  const content = answer.content as Record<string, { schema: Json }>
  const [mediaType, media] = Object.entries(content)[0]
  const actualType = (response.headers.get('content-type') ?? '').split(';')[0].trim()
  if (actualType !== mediaType) throw new Error(`OpenAPI drift: ${where} answered ${actualType || 'no content type'}, the document says ${mediaType}`)
  if (mediaType !== 'application/json') return
  const text = await response.clone().text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new Error(`OpenAPI drift: ${where} body is not JSON: ${text.slice(0, 200)}`)
  }
  const validate = validatorFor(media.schema)
  if (!validate(body)) throw new Error(`OpenAPI drift: ${where} body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`)
}
