import { readdirSync, readFileSync } from 'node:fs'
import type { z } from 'zod'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import {
  b2cAckSchema,
  b2cResultSchema,
  darajaErrorSchema,
  oauthResponseSchema,
  stkCallbackSchema,
  stkPushResponseSchema,
  stkQueryResponseSchema,
} from '../../src/schemas/daraja.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, basic, bearer, getToken, http, queryBody, stkBody } from './helpers.js'
import { balanceBody, reversalBody } from './org-helpers.js'

/**
 * test/fixtures/daraja/*.json are Daraja's bodies as published (see the README there). Each is
 * checked twice: the gateway's schema must read it, and the emulator must send the same shape for
 * the same case (keys, JSON types, fixed texts, decimal points).
 */
const DIR = new URL('../fixtures/daraja/', import.meta.url)

interface Produced {
  status: number
  text: string
}
interface Case {
  status: number
  /** The gateway's schema for it; null where the gateway does not call that API (C2B). */
  schema: z.ZodType | null
  produce: () => Promise<Produced>
}

let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
beforeAll(async () => {
  em = await startEmulator({ callbackDelayMs: 5 })
  receiver = await startCallbackReceiver()
})
afterAll(async () => {
  await em.close()
  await receiver.close()
})
beforeEach(async () => {
  em.reset()
  receiver.clear()
  token = await getToken(em)
})

const post = async (path: string, body: unknown, auth = bearer(token)): Promise<Produced> => {
  const res = await http('POST', `${em.url}${path}`, { headers: auth, body })
  return { status: res.status, text: res.text }
}
const push = (phone: string, overrides: Record<string, unknown> = {}) =>
  http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, phone, `${receiver.url}/cb`, overrides) })
const query = (id: string) => post('/mpesa/stkpushquery/v1/query', queryBody(em, id))
const callbackOf = async (): Promise<Produced> => {
  const [cb] = await receiver.waitFor(1)
  return { status: 200, text: cb.text }
}
const b2c = (partyB: string) =>
  post('/mpesa/b2c/v3/paymentrequest', { OriginatorConversationID: `fx-${Date.now()}-${Math.random()}`, ...b2cBody(em, partyB, `${receiver.url}/r`) })

const c2bRegistration = () => ({ ShortCode: '600966', ResponseType: 'Completed', ConfirmationURL: `${receiver.url}/confirm`, ValidationURL: `${receiver.url}/validate` })

const CASES: Record<string, Case> = {
  'oauth-token.json': {
    status: 200,
    schema: oauthResponseSchema,
    produce: async () => {
      const res = await http('GET', `${em.url}/oauth/v1/generate?grant_type=client_credentials`, {
        headers: { authorization: basic(em.credentials.consumerKey, em.credentials.consumerSecret) },
      })
      return { status: res.status, text: res.text }
    },
  },
  'stk-push-ack.json': { status: 200, schema: stkPushResponseSchema, produce: async () => push('254711000001') },
  'stk-query-in-flight-4999.json': {
    status: 200,
    schema: stkQueryResponseSchema,
    produce: async () => query((await push('254700000008')).body.CheckoutRequestID),
  },
  'stk-query-in-flight-500.json': {
    status: 500,
    schema: darajaErrorSchema,
    produce: async () => {
      em.setScenario({ next: true, hold: true, in_flight_query: '500' })
      return query((await push('254711000002')).body.CheckoutRequestID)
    },
  },
  'stk-query-cancelled.json': {
    status: 200,
    schema: stkQueryResponseSchema,
    produce: async () => {
      const id = (await push('254700000001')).body.CheckoutRequestID
      await em.settle()
      return query(id)
    },
  },
  'stk-query-no-response.json': {
    status: 200,
    schema: stkQueryResponseSchema,
    produce: async () => {
      const id = (await push('254700000002')).body.CheckoutRequestID
      await em.settle()
      return query(id)
    },
  },
  'stk-query-unknown.json': { status: 500, schema: darajaErrorSchema, produce: () => query('ws_CO_010120250000001708374149') },
  'stk-callback-success.json': {
    status: 200,
    schema: stkCallbackSchema,
    produce: async () => {
      await push('254708374149')
      return callbackOf()
    },
  },
  'stk-callback-cancelled.json': {
    status: 200,
    schema: stkCallbackSchema,
    produce: async () => {
      await push('254700000001')
      return callbackOf()
    },
  },
  'stk-invalid-remarks.json': { status: 400, schema: darajaErrorSchema, produce: async () => push('254711000003', { TransactionDesc: undefined }) },
  'b2c-ack.json': { status: 200, schema: b2cAckSchema, produce: () => b2c('254711000004') },
  'b2c-result-success.json': {
    status: 200,
    schema: b2cResultSchema,
    produce: async () => {
      await b2c('254711000005')
      return callbackOf()
    },
  },
  'b2c-result-locked.json': {
    status: 200,
    schema: b2cResultSchema,
    produce: async () => {
      em.setScenario({ product: 'b2c', next: true, result_code: 8006 })
      await b2c('254711000006')
      return callbackOf()
    },
  },
  'balance-result-locked.json': {
    status: 200,
    schema: b2cResultSchema,
    produce: async () => {
      em.setScenario({ product: 'balance', next: true, outcome: 'credential_locked' })
      await post('/mpesa/accountbalance/v1/query', balanceBody(em, `${receiver.url}/r`))
      return callbackOf()
    },
  },
  'reversal-result-invalid.json': {
    status: 200,
    schema: b2cResultSchema,
    produce: async () => {
      await post('/mpesa/reversal/v1/request', reversalBody(em, 'UJ60000XYZ', `${receiver.url}/r`))
      return callbackOf()
    },
  },
  'reversal-result-success.json': {
    status: 200,
    schema: b2cResultSchema,
    produce: async () => {
      await push('254711000007')
      const [stk] = await receiver.waitFor(1)
      receiver.clear()
      const receipt = (stk.json as any).Body.stkCallback.CallbackMetadata.Item[1].Value
      await post('/mpesa/reversal/v1/request', reversalBody(em, receipt, `${receiver.url}/r`))
      return callbackOf()
    },
  },
  'c2b-register.json': {
    status: 200,
    schema: null,
    produce: () => post('/mpesa/c2b/v1/registerurl', c2bRegistration()),
  },
  'c2b-simulate.json': {
    status: 200,
    schema: null,
    produce: async () => {
      await post('/mpesa/c2b/v2/registerurl', c2bRegistration())
      return post('/mpesa/c2b/v2/simulate', { ShortCode: '600966', CommandID: 'CustomerPayBillOnline', Amount: 5, Msisdn: 254708374126, BillRefNumber: 'Sample' })
    },
  },
  'c2b-confirmation-v2.json': {
    status: 200,
    schema: null,
    produce: async () => {
      await post('/mpesa/c2b/v2/registerurl', c2bRegistration())
      await post('/mpesa/c2b/v2/simulate', { ShortCode: '600966', CommandID: 'CustomerPayBillOnline', Amount: 5, Msisdn: 254708374126, BillRefNumber: 'Sample' })
      const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === '/confirm' })
      return { status: 200, text: cb.text }
    },
  },
  'b2c-invalid-token.json': { status: 401, schema: darajaErrorSchema, produce: () => post('/mpesa/b2c/v1/paymentrequest', {}, bearer('stale')) },
}

/** Keys whose value is one of Daraja's fixed texts or codes, compared exactly. */
const FIXED = new Set(['ResponseCode', 'ResponseDescription', 'CustomerMessage', 'ResultType', 'ResultCode', 'ResultDesc', 'errorCode', 'errorMessage', 'ReferenceData', 'expires_in', 'Name', 'Key'])

/** The structure of a JSON value: object keys (sorted) and the JSON type of every leaf. */
function shape(value: unknown): unknown {
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.map(shape)
  if (typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((key) => [key, shape((value as Record<string, unknown>)[key])]))
  }
  return typeof value
}

function fixedValues(value: unknown, path = '$', out: Array<[string, unknown]> = []): Array<[string, unknown]> {
  if (Array.isArray(value)) value.forEach((item, i) => fixedValues(item, `${path}[${i}]`, out))
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (FIXED.has(key)) out.push([`${path}.${key}`, item])
      else fixedValues(item, `${path}.${key}`, out)
    }
  }
  return out
}

/** `"Key":"B2CUtilityAccountAvailableFunds","Value":4974.73` → the keys whose number has a decimal point. */
function decimalKeys(text: string): string[] {
  return [...text.matchAll(/"Key"\s*:\s*"(\w+)"\s*,\s*"Value"\s*:\s*-?\d+\.\d+/g)].map((m) => m[1])
}

describe('Daraja fixtures', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'))

  it('every fixture has a case here (and every case a fixture)', () => {
    expect(files.sort()).toEqual(Object.keys(CASES).sort())
  })

  for (const file of Object.keys(CASES)) {
    it(`${file}: the gateway's schema reads it, and the emulator sends the same shape`, async () => {
      const text = readFileSync(new URL(file, DIR), 'utf8')
      const fixture = JSON.parse(text)
      const { status, schema, produce } = CASES[file]
      if (schema) expect(schema.safeParse(fixture).success).toBe(true)

      const produced = await produce()
      expect(produced.status).toBe(status)
      const sent = JSON.parse(produced.text)
      if (schema) expect(schema.safeParse(sent).success).toBe(true)
      expect(shape(sent)).toEqual(shape(fixture))
      expect(fixedValues(sent)).toEqual(fixedValues(fixture))
      expect(decimalKeys(produced.text)).toEqual(decimalKeys(text))
    })
  }
})
