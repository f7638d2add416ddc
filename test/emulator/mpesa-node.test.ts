import { createRequire } from 'node:module'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import { b2cResultSchema, resultParameter, SANDBOX_INITIATOR_PASSWORD, stkCallbackSchema } from '../../src/schemas/daraja.js'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'

/**
 * Fidelity check against code nobody here wrote: Safaricom's own `mpesa-node` 0.1.3, unmodified.
 * It fetches a new token before every call, sends a UTC Timestamp and numbers as JSON numbers.
 */
const require = createRequire(import.meta.url)
interface MpesaNode {
  baseURL: string
  oAuth(): Promise<{ status: number; data: { access_token: string; expires_in: string } }>
  lipaNaMpesaOnline(msisdn: number | string, amount: number | string, callbackUrl: string, accountRef: string): Promise<{ status: number; data: any }>
  lipaNaMpesaQuery(checkoutRequestId: string): Promise<{ status: number; data: any }>
  b2c(senderParty: string | number, receiverParty: string | number, amount: number, queueUrl: string, resultUrl: string): Promise<{ status: number; data: any }>
  accountBalance(shortCode: string | number, idType: string | number, queueUrl: string, resultUrl: string): Promise<{ status: number; data: any }>
  reversal(transactionId: string, amount: number, queueUrl: string, resultUrl: string, shortCode?: string | number): Promise<{ status: number; data: any }>
  c2bRegister(confirmationUrl: string, validationUrl: string, shortCode?: string | number): Promise<{ status: number; data: any }>
  c2bSimulate(msisdn: string | number, amount: number, billRefNumber: string, commandId?: string, shortCode?: string | number): Promise<{ status: number; data: any }>
}
const Mpesa = require('mpesa-node') as new (config: Record<string, unknown>) => MpesaNode

let em: RunningEmulator
let receiver: CallbackReceiver
let mpesa: MpesaNode

beforeEach(async () => {
  em = await startEmulator({ callbackDelayMs: 50 })
  receiver = await startCallbackReceiver()
  mpesa = new Mpesa({
    consumerKey: em.credentials.consumerKey,
    consumerSecret: em.credentials.consumerSecret,
    environment: 'sandbox',
    shortCode: em.credentials.b2cShortcode,
    initiatorName: em.credentials.initiatorName,
    lipaNaMpesaShortCode: Number(em.credentials.shortcode),
    lipaNaMpesaShortPass: em.credentials.passkey,
    // Its usual B2C setup: the initiator password, RSA-encrypted with the sandbox certificate it ships.
    securityCredential: SANDBOX_INITIATOR_PASSWORD,
    certPath: require.resolve('mpesa-node/keys/sandbox-cert.cer'),
  })
  mpesa.baseURL = em.url
})
afterEach(async () => {
  await em.close()
  await receiver.close()
})

describe('mpesa-node 0.1.3 against the emulator', () => {
  it('OAuth, STK push, callback and STK query, as in its README', async () => {
    const auth = await mpesa.oAuth()
    expect(auth.status).toBe(200)
    expect(auth.data.expires_in).toBe('3599')

    // Held until answered below, so the in-flight query is not a race with the callback delay.
    em.setScenario({ phone: '254708374149', hold: true })
    const push = await mpesa.lipaNaMpesaOnline(254708374149, 10, `${receiver.url}/mpesa/callback`, 'Test')
    expect(push.status).toBe(200)
    expect(push.data.ResponseCode).toBe('0')
    const id: string = push.data.CheckoutRequestID

    // Still in flight: HTTP 200 with ResultCode "4999", as today's sandbox answers.
    const inFlight = await mpesa.lipaNaMpesaQuery(id)
    expect(inFlight.status).toBe(200)
    expect(inFlight.data).toMatchObject({ CheckoutRequestID: id, ResultCode: '4999', ResultDesc: 'The transaction is still under processing' })
    em.resolve(id, 0)

    const [cb] = await receiver.waitFor(1)
    const callback = stkCallbackSchema.parse(cb.json).Body.stkCallback
    expect(callback.CheckoutRequestID).toBe(id)
    expect(callback.ResultCode).toBe(0)

    const done = await mpesa.lipaNaMpesaQuery(id)
    expect(done.status).toBe(200)
    expect(done.data).toMatchObject({ CheckoutRequestID: id, ResultCode: '0' })

    // What it sent: a fresh token per call, a UTC timestamp, numbers as numbers.
    const calls = em.requests()
    expect(calls.map((c) => c.endpoint)).toEqual(['oauth', 'oauth', 'stk_push', 'oauth', 'stk_query', 'oauth', 'stk_query'])
    const sent = calls[2].request.body as Record<string, unknown>
    expect(sent.BusinessShortCode).toBe(174379)
    expect(sent.Amount).toBe(10)
    expect(sent.PhoneNumber).toBe(254708374149)
    expect(sent.TransactionDesc).toBe('Lipa na mpesa online')
  })

  it('sees a failed payment the same way', async () => {
    const push = await mpesa.lipaNaMpesaOnline(254700000001, 1, `${receiver.url}/cb`, 'Test')
    await receiver.waitFor(1)
    const done = await mpesa.lipaNaMpesaQuery(push.data.CheckoutRequestID)
    expect(done.data).toMatchObject({ ResultCode: '1032', ResultDesc: 'Request Cancelled by user.' })
  })

  it('B2C v1 with its default RSA-encrypted SecurityCredential is paid, and the result reaches ResultURL', async () => {
    const res = await mpesa.b2c(em.credentials.b2cShortcode, 254711000123, 100, `${receiver.url}/b2c/timeout`, `${receiver.url}/b2c/result`)
    expect(res.status).toBe(200)
    expect(res.data).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    const sent = em.requests().find((r) => r.endpoint === 'b2c_v1')!.request.body as Record<string, unknown>
    // A real RSA-2048 ciphertext, not the emulator's printed plain credential.
    expect(Buffer.from(sent.SecurityCredential as string, 'base64')).toHaveLength(256)
    const [cb] = await receiver.waitFor(1, { filter: (r) => r.path === '/b2c/result' })
    const result = b2cResultSchema.parse(cb.json).Result
    expect(result).toMatchObject({ ResultCode: 0, ConversationID: res.data.ConversationID, OriginatorConversationID: res.data.OriginatorConversationID })
    expect(resultParameter(result.ResultParameters?.ResultParameter, 'TransactionAmount')).toBe(100)
  })

  it('Account Balance, C2B register + simulate and Reversal run through it too', async () => {
    const balance = await mpesa.accountBalance(em.credentials.b2cShortcode, 4, `${receiver.url}/t`, `${receiver.url}/balance`)
    expect(balance.data.ResponseCode).toBe('0')
    const [bal] = await receiver.waitFor(1, { filter: (r) => r.path === '/balance' })
    expect((bal.json as any).Result.ResultCode).toBe(0)

    const registered = await mpesa.c2bRegister(`${receiver.url}/c2b/confirm`, `${receiver.url}/c2b/validate`)
    expect(registered.data).toMatchObject({ ResponseCode: '00000000', ResponseDescription: 'Success' })
    const simulated = await mpesa.c2bSimulate(254708374149, 50, 'INV-7')
    expect(simulated.data.ResponseCode).toBe('0')
    const [confirmation] = await receiver.waitFor(1, { filter: (r) => r.path === '/c2b/confirm' })
    const transId = (confirmation.json as any).TransID as string

    const reversed = await mpesa.reversal(transId, 50, `${receiver.url}/t`, `${receiver.url}/reversal`)
    expect(reversed.data.ResponseCode).toBe('0')
    const [rev] = await receiver.waitFor(1, { filter: (r) => r.path === '/reversal' })
    expect((rev.json as any).Result).toMatchObject({ ResultCode: 0 })
  })
})
