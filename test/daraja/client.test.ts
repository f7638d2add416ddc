import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type RunningEmulator } from '../../emulator/index.js'
import type { DarajaClient } from '../../src/daraja/client.js'
import { DarajaCallError, isDuplicateRequest, isTransient } from '../../src/daraja/errors.js'
import { SANDBOX_PASSKEY } from '../../src/schemas/daraja.js'
import { emulatorClient } from '../helpers/daraja-client.js'

let emulator: RunningEmulator
let client: DarajaClient
beforeEach(async () => {
  emulator = await startEmulator({ callbackDelayMs: 20 })
  client = emulatorClient(emulator)
})
afterEach(async () => {
  await emulator.close()
})

describe('Daraja client, checked on the wire', () => {
  it('sends an STK push with an EAT timestamp, the matching password and Daraja field limits', async () => {
    const before = Date.now()
    const answer = await client.stkPush({ phone: '254712345678', amount: 10, reference: 'A-VERY-LONG-REFERENCE', description: 'Fourteen chars!', callbackUrl: 'http://127.0.0.1:1/cb' })
    expect(answer.ResponseCode).toBe('0')
    const sent = emulator.requests().find((r) => r.endpoint === 'stk_push')!.request.body as Record<string, string | number>
    const ts = String(sent.Timestamp)
    const eat = new Date(before + 3 * 3600_000)
    const expectedPrefix = `${eat.getUTCFullYear()}${String(eat.getUTCMonth() + 1).padStart(2, '0')}${String(eat.getUTCDate()).padStart(2, '0')}${String(eat.getUTCHours()).padStart(2, '0')}`
    expect(ts.startsWith(expectedPrefix)).toBe(true)
    expect(Buffer.from(String(sent.Password), 'base64').toString()).toBe(`174379${SANDBOX_PASSKEY}${ts}`)
    expect(sent).toMatchObject({
      BusinessShortCode: '174379',
      TransactionType: 'CustomerPayBillOnline',
      PartyA: '254712345678',
      PartyB: '174379',
      PhoneNumber: '254712345678',
      AccountReference: 'A-VERY-LONG-',
      TransactionDesc: 'Fourteen char',
    })
  })

  it('surfaces Daraja errors with their code and message', async () => {
    const err = await client
      .stkPush({ phone: '254700000006', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DarajaCallError)
    expect(err).toMatchObject({ kind: 'refused', status: 500, errorCode: '500.001.1001' })
  })

  it('a query while in flight is "not yet" (200 "4999"), then the final answer with a string ResultCode', async () => {
    emulator.setScenario({ phone: '254712345678', hold: true })
    const { CheckoutRequestID } = await client.stkPush({ phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' })
    const pending = await client.stkQuery(CheckoutRequestID)
    expect(pending).toMatchObject({ status: 200, data: { ResultCode: '4999', ResultDesc: 'The transaction is still under processing' } })
    emulator.resolve(CheckoutRequestID, 1032)
    await emulator.settle()
    const done = await client.stkQuery(CheckoutRequestID)
    expect(done.data.ResultCode).toBe('1032')
  })

  it('refreshes the token once on an invalid-token answer', async () => {
    await client.stkPush({ phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' })
    emulator.setFault({ kind: 'error', endpoint: 'stk_push', status: 404, errorCode: '404.001.03', errorMessage: 'Invalid Access Token', count: 1 })
    await client.stkPush({ phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' })
    expect(emulator.requests().filter((r) => r.endpoint === 'oauth')).toHaveLength(2)
  })

  it('a token that keeps being refused is not retried forever', async () => {
    emulator.setFault({ kind: 'error', endpoint: 'stk_push', status: 404, errorCode: '404.001.03', errorMessage: 'Invalid Access Token' })
    const err = await client.stkPush({ phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ errorCode: '404.001.03' })
    expect(emulator.requests().filter((r) => r.endpoint === 'stk_push')).toHaveLength(2)
  })

  it('times out on a slow Daraja and says the outcome is unknown', async () => {
    emulator.setFault({ kind: 'latency', endpoint: 'stk_push', ms: 2500 })
    const err = await client.stkPush({ phone: '254712345678', amount: 10, reference: 'R', description: 'D', callbackUrl: 'http://127.0.0.1:1/cb' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'unreachable', ambiguous: true })
  })

  it('sends B2C v3 with an OriginatorConversationID; a second send with the same id is refused as a duplicate', async () => {
    const input = { originatorConversationId: 'mpg-abc', phone: '254712345678', amount: 98, remarks: 'Payout', resultUrl: 'http://127.0.0.1:1/r', queueTimeoutUrl: 'http://127.0.0.1:1/t' }
    const ack = await client.b2c(input)
    expect(ack).toMatchObject({ OriginatorConversationID: 'mpg-abc', ResponseCode: '0' })
    const dup = await client.b2c(input).catch((e: unknown) => e)
    expect(dup).toMatchObject({ errorCode: '500.002.1001', errorMessage: 'Duplicate OriginatorConversationID.' })
  })
})

describe('Transaction Status and what a B2C refusal means', () => {
  it('asks Transaction Status as the B2C initiator, by OriginalConversationID, and gets Daraja’s ack', async () => {
    const ack = await client.transactionStatus({ originalConversationId: 'mpg-abc', resultUrl: 'http://127.0.0.1:1/r', queueTimeoutUrl: 'http://127.0.0.1:1/t', remarks: 'Payout ORDER-1' })
    expect(ack).toMatchObject({ ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' })
    const sent = emulator.requests().find((r) => r.endpoint === 'transaction_status')!
    expect(sent.status).toBe(200)
    expect(sent.request.body).toEqual({
      Initiator: emulator.credentials.initiatorName,
      SecurityCredential: emulator.credentials.securityCredential,
      CommandID: 'TransactionStatusQuery',
      OriginalConversationID: 'mpg-abc',
      PartyA: emulator.credentials.b2cShortcode,
      IdentifierType: '4',
      ResultURL: 'http://127.0.0.1:1/r',
      QueueTimeOutURL: 'http://127.0.0.1:1/t',
      Remarks: 'Payout ORDER-1',
      Occasion: 'Payout check',
    })
  })

  it('transient answers are worth a retry; Duplicate means taken; business refusals are final', async () => {
    const transient = [
      new DarajaCallError('refused', 500, '500.003.1001', 'Internal Server Error'),
      new DarajaCallError('refused', 503, '500.003.02', 'Spike arrest violation'),
      new DarajaCallError('refused', 500, '500.003.03', 'Quota Violation'),
      new DarajaCallError('refused', 429, null, 'HTTP 429'),
      new DarajaCallError('refused', 502, null, 'HTTP 502 from /mpesa/b2c/v3/paymentrequest', true),
      new DarajaCallError('unreachable', null, null, 'connect ECONNREFUSED'),
      new DarajaCallError('unreachable', null, null, 'timed out', true),
      new DarajaCallError('bad_answer', 200, null, 'unexpected answer', true),
    ]
    for (const error of transient) expect(isTransient(error), error.message).toBe(true)
    const duplicate = new DarajaCallError('refused', 500, '500.002.1001', 'Duplicate OriginatorConversationID.')
    expect([isTransient(duplicate), isDuplicateRequest(duplicate)]).toEqual([false, true])
    const final = [
      new DarajaCallError('refused', 400, '400.002.02', 'Bad Request - Invalid PartyB'),
      new DarajaCallError('refused', 401, '401.002.01', 'Error Occurred - Invalid Access Token - '),
      new DarajaCallError('bad_answer', 404, null, 'HTTP 404 from /mpesa/b2c/v3/paymentrequest'),
      new DarajaCallError('refused', null, null, 'B2C is not configured'),
    ]
    for (const error of final) expect([isTransient(error), isDuplicateRequest(error)], error.message).toEqual([false, false])
  })
})
