/**
 * Holds one answer of the gateway to the OpenAPI document: the status must be one the operation
 * documents, the media type the documented one, the JSON body valid against the documented schema,
 * and every API header the answer carries (Idempotent-Replayed, RateLimit*, Retry-After) documented
 * for that status. Used by the gateway's contract check (contract-recorder.ts, only when
 * MPG_CONTRACT_CHECK_FILE is set: this module and ajv are never loaded otherwise) and by the tests.
 */
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv'
import { CALLBACK_PREFIXES } from '../../utils/callback-paths.js'

type Json = Record<string, unknown>

/**
 * What the document deliberately leaves out, so no answer there is checked: everything else the
 * gateway answers is either a documented operation or an unknown route (404/405 `{error, hint, detail}`).
 */
export const UNCHECKED_PATHS: ReadonlyArray<{ prefix: string; why: string }> = [
  { prefix: '/dashboard', why: "the dashboard's page and asset files (HTML, JS, CSS)" },
  { prefix: '/docs', why: 'the human API reference page (HTML)' },
  { prefix: '/__emulator/', why: "the embedded emulator's control routes (emulator mode only)" },
  { prefix: `${CALLBACK_PREFIXES.stk}/`, why: "Daraja's STK callbacks (Daraja's wire format, not the merchant API)" },
  { prefix: `${CALLBACK_PREFIXES.b2c}/`, why: "Daraja's B2C result callbacks (Daraja's wire format, not the merchant API)" },
]

/** The response headers of the API itself (transport headers like content-length are not the document's business). */
const API_HEADERS = ['idempotent-replayed', 'ratelimit-policy', 'ratelimit', 'retry-after']

const DOC_ID = 'https://mpesa-gateway.local/openapi.json'

/** The parts of an answer the check reads; a web `Response` (or h3's) has them all. */
export interface CheckedAnswer {
  status: number
  headers: Headers
  clone(): { text(): Promise<string> }
}

export interface DocumentedOperation {
  method: string
  path: string
  op: Json
}

export interface ContractChecker {
  /** The operation `method path` hits, or undefined when the document does not describe it. */
  operationFor(method: string, url: string): DocumentedOperation | undefined
  /** Whether the document leaves `path` out on purpose (UNCHECKED_PATHS). */
  unchecked(url: string): boolean
  /** Why `answer` is not what the document says `method url` answers, or undefined when it is (or the path is unchecked). */
  check(method: string, url: string, answer: CheckedAnswer): Promise<string | undefined>
}

const pathOf = (url: string) => new URL(url, 'http://x').pathname

export function createContractChecker(document: Json): ContractChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false })
  ajv.addSchema(document, DOC_ID)
  const routes = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      pattern: new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      op,
    })),
  )
  const validators = new Map<string, ValidateFunction>()
  const validatorFor = (schema: Json): ValidateFunction => {
    const key = JSON.stringify(schema)
    let v = validators.get(key)
    if (!v) {
      v = typeof schema.$ref === 'string' ? ajv.getSchema(`${DOC_ID}${schema.$ref}`) : ajv.compile(schema)
      if (!v) throw new Error(`OpenAPI document: ${schema.$ref as string} does not resolve`)
      validators.set(key, v)
    }
    return v
  }
  const operationFor = (method: string, url: string) => {
    const path = pathOf(url)
    return routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path))
  }
  const unchecked = (url: string) => {
    const path = pathOf(url)
    return UNCHECKED_PATHS.some((u) => path === u.prefix.replace(/\/$/, '') || path.startsWith(u.prefix))
  }

  const jsonBody = async (answer: CheckedAnswer, schema: Json): Promise<string | undefined> => {
    const text = await answer.clone().text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return `body is not JSON: ${text.slice(0, 200)}`
    }
    const validate = validatorFor(schema)
    return validate(body) ? undefined : `body does not match the document: ${ajv.errorsText(validate.errors)}; body: ${text.slice(0, 300)}`
  }

  const check = async (method: string, url: string, answer: CheckedAnswer): Promise<string | undefined> => {
    if (unchecked(url)) return undefined
    // HEAD is GET without the body (HTTP semantics; h3 answers it with the GET route).
    const head = method.toUpperCase() === 'HEAD'
    const route = operationFor(head ? 'GET' : method, url)
    const type = (answer.headers.get('content-type') ?? '').split(';')[0].trim()
    if (!route) {
      // An unknown route or method, or a URL the router cannot read: its 400/404/405 is still `{error, hint, detail}`.
      if (![400, 404, 405].includes(answer.status)) return 'the document describes no such operation'
      if (type !== 'application/json') return `unknown route answered ${type || 'no content type'}, not application/json`
      return head ? undefined : jsonBody(answer, { $ref: '#/components/schemas/Error' })
    }
    const responses = route.op.responses as Record<string, Json>
    const documentedAnswer = responses[String(answer.status)]
    if (!documentedAnswer) return `status ${answer.status} is not documented (documented: ${Object.keys(responses).join(', ')})`
    const headers = (documentedAnswer.headers ?? {}) as Json
    const documented = new Set(Object.keys(headers).map((h) => h.toLowerCase()))
    for (const name of API_HEADERS) {
      const value = answer.headers.get(name)
      if (value === null) continue
      if (!documented.has(name)) return `sends header ${name} that the document does not list`
      const ref = Object.entries(headers).find(([h]) => h.toLowerCase() === name)?.[1] as Json
      const headerSchema = ((document.components as Json).headers as Record<string, Json>)[(ref.$ref as string).split('/').pop() as string].schema as Json
      const validate = validatorFor(headerSchema)
      if (!validate(value)) return `header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`
    }
    const [mediaType, media] = Object.entries(documentedAnswer.content as Record<string, { schema: Json }>)[0]
    if (type !== mediaType) return `answered ${type || 'no content type'}, the document says ${mediaType}`
    // Event streams: status, media type and headers are checked; the body never ends, so it is not read.
    if (mediaType !== 'application/json' || head) return undefined
    return jsonBody(answer, media.schema)
  }

  return { operationFor, unchecked, check }
}
