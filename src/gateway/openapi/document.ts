/**
 * The OpenAPI 3.1 document of the merchant and admin API, built from the zod schemas the routes
 * validate with (requests: zod's input side; answers: its output side, closed objects), so the
 * document cannot say something the code does not check.
 */
import { z } from 'zod'
import { idempotencyKeySchema } from '../../schemas/gateway.js'
import { EVENT_TYPES, webhookEventSchema } from '../../schemas/webhooks.js'
import { eventDataSchemas } from './answers.js'
import { COMPONENTS, OPERATIONS, type Operation } from './operations.js'

type JsonSchema = Record<string, unknown>

const REF = (name: string) => ({ $ref: `#/components/schemas/${name}` })

/** A zod schema as a JSON Schema 2020-12 object (the dialect of OpenAPI 3.1), without its `$schema`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Transforms (phone normalisation, events list parsing) have no JSON Schema: their input side is documented.
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema
  return rest
}

/** The response headers the API sends, by name. */
export const HEADERS: Record<string, { description: string; schema: JsonSchema }> = {
  'Idempotent-Replayed': { description: '`true` when this answer is the stored answer of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } },
  'RateLimit-Policy': { description: 'The limit this request counts against (IETF RateLimit headers), e.g. `"api";q=20;w=1`.', schema: { type: 'string' } },
  RateLimit: { description: 'What is left of the limit, e.g. `"api";r=19;t=1`.', schema: { type: 'string' } },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^[0-9]+$' } },
}

function parameters(op: Operation): JsonSchema[] {
  const out: JsonSchema[] = []
  for (const [name, description] of Object.entries(op.pathParams ?? {})) {
    out.push({ name, in: 'path', required: true, description, schema: { type: 'string', maxLength: 100 } })
  }
  if (op.query) {
    const shape = jsonSchema(op.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] }
    for (const [name, schema] of Object.entries(shape.properties ?? {})) {
      out.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema })
    }
  }
  if (op.idempotencyKey) {
    out.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Unique per logical request. A repeat within 24 h replays the first answer instead of creating a duplicate.',
      schema: jsonSchema(idempotencyKeySchema, 'input'),
    })
  }
  if (op.operationId === 'streamEvents') {
    out.push({ name: 'Last-Event-ID', in: 'header', required: false, description: 'Resume after this event (an `id:` line of an earlier stream).', schema: { type: 'string', maxLength: 100 } })
  }
  return out
}

function operation(op: Operation): JsonSchema {
  const responses: Record<string, JsonSchema> = {}
  for (const [status, answer] of Object.entries(op.responses)) {
    const contentType = answer.contentType ?? 'application/json'
    const schema = answer.schema ? REF(answer.schema) : contentType === 'text/event-stream' ? { type: 'string' } : { type: 'object' }
    responses[status] = {
      description: answer.description,
      ...(answer.headers?.length ? { headers: Object.fromEntries(answer.headers.map((h) => [h, { $ref: `#/components/headers/${h}` }])) } : {}),
      content: { [contentType]: { schema } },
    }
  }
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    security: op.auth === 'key' ? [{ apiKey: [] }] : op.auth === 'admin' ? [{ adminToken: [] }] : op.auth === 'cron' ? [{ cronSecret: [] }] : [],
    ...(parameters(op).length ? { parameters: parameters(op) } : {}),
    ...(op.body
      ? { requestBody: { required: op.body.required, content: { 'application/json': { schema: jsonSchema(op.body.schema, 'input'), ...(op.body.example ? { example: op.body.example } : {}) } } } }
      : {}),
    responses,
  }
}

const SIGNATURE_HEADERS: JsonSchema[] = [
  {
    name: 'X-Mpesa-Gateway-Signature',
    in: 'header',
    required: true,
    description: 'Lowercase hex HMAC-SHA256 of the raw body, keyed with the endpoint secret string exactly as shown (`whsec_…` included): `crypto.createHmac("sha256", secret).update(rawBody).digest("hex")`.',
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
  { name: 'X-Mpesa-Gateway-Event', in: 'header', required: true, description: 'The event type.', schema: { type: 'string', enum: [...EVENT_TYPES] } },
  { name: 'webhook-id', in: 'header', required: true, description: 'Standard Webhooks: the event id (the same on every retry; deduplicate on it).', schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'Standard Webhooks: seconds since the epoch when this attempt was signed.', schema: { type: 'string', pattern: '^[0-9]+$' } },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description: 'Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${rawBody}`, keyed with the bytes the secret encodes (base64 after `whsec_`); any Standard Webhooks library verifies it.',
    schema: { type: 'string', pattern: '^v1,' },
  },
]

/** The events POSTed to registered endpoints (and sent on the event stream): one per state change. */
function webhooks(): JsonSchema {
  const base = jsonSchema(webhookEventSchema, 'output') as { properties: Record<string, JsonSchema> }
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          summary: `${type} event`,
          description: 'Delivered to every endpoint subscribed to this event, signed with both schemes. Answer 2xx within 10 s; other answers and timeouts are retried with exponential backoff.',
          parameters: SIGNATURE_HEADERS,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { ...base, properties: { ...base.properties, event: { type: 'string', const: type }, data: jsonSchema(eventDataSchemas[type], 'output') } },
              },
            },
          },
          responses: { '2XX': { description: 'Received. Any other answer (or none within the timeout) is retried.' } },
        },
      },
    ]),
  )
}

function paths(): JsonSchema {
  const out: Record<string, Record<string, JsonSchema>> = {}
  for (const op of OPERATIONS) (out[op.path] ??= {})[op.method] = operation(op)
  return out
}

function components(): JsonSchema {
  return Object.fromEntries(Object.entries(COMPONENTS).map(([name, schema]) => [name, jsonSchema(schema, 'output')]))
}

let built: JsonSchema | undefined

/** The document (built once; it depends only on the code). */
export function openApiDocument(version: string): JsonSchema {
  built ??= {
    openapi: '3.1.0',
    info: {
      title: 'M-Pesa Gateway API',
      version,
      description:
        'STK Push payments, transactions, webhooks and payouts through Safaricom\'s Daraja API. Every error is JSON `{"error", "hint", "detail"}`. Test keys (`mpg_test_`) work against the Daraja sandbox or the offline emulator; live keys (`mpg_live_`) need production credentials.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The origin this gateway is deployed at.' }],
    tags: [
      { name: 'Payments', description: 'STK Push and transactions.' },
      { name: 'Webhooks', description: 'Endpoints and their delivery log.' },
      { name: 'Events', description: 'The live event stream.' },
      { name: 'Admin', description: 'Accounts, API keys and payouts (admin token).' },
      { name: 'Gateway', description: 'Health, this document, and the cron tick of serverless deployments.' },
    ],
    paths: paths(),
    webhooks: webhooks(),
    components: {
      schemas: components(),
      headers: Object.fromEntries(Object.entries(HEADERS).map(([name, h]) => [name, { description: h.description, schema: h.schema }])),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer mpg_test_…` or `mpg_live_…` (created by `mpg keys create`, shown once).' },
        adminToken: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <admin token>` (MPG_ADMIN_TOKEN or <data-dir>/admin-token).' },
        cronSecret: { type: 'http', scheme: 'bearer', description: '`Authorization: Bearer <MPG_CRON_SECRET>` (the scheduler of a serverless deployment).' },
      },
    },
  }
  return built
}
