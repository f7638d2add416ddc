import { describe, expect, it } from 'vitest'
import type { RunningEmulator } from '../../emulator/index.js'
import type { CallbackReceiver } from '../helpers/callback-receiver.js'
import { b2cBody, bearer, http, stkBody } from './helpers.js'
import { emulatorPerTest } from './per-test.js'

// The exact bytes of a push's answer, its callback and a B2C result, at set times on the emulator's
// clock: the times in them are made once per second (not per callback), so the same second, the
// next one and an earlier one must each read as their own.
let clockMs = Date.UTC(2026, 10, 30, 10, 0, 0, 250) // 13:00:00.250 EAT
let em: RunningEmulator
let receiver: CallbackReceiver
let token: string
emulatorPerTest({ callbackDelayMs: 0, now: () => new Date(clockMs) }, (rig) => ({ em, receiver, token } = rig))

const PHONE = '254708374149'

async function pushAt(ms: number) {
  clockMs = ms
  const before = receiver.received().length
  const res = await http('POST', `${em.url}/mpesa/stkpush/v1/processrequest`, { headers: bearer(token), body: stkBody(em, PHONE, `${receiver.url}/stk`) })
  const [callback] = (await receiver.waitFor(before + 1)).slice(before)
  return { res, callback }
}

describe('the bytes the emulator answers and sends', () => {
  it('a push answer and its STK callback, TransactionDate in EAT for each second', async () => {
    const base = Date.UTC(2026, 10, 30, 10, 0, 0, 250)
    const seconds: Array<[number, string]> = [
      [base, '20261130130000'],
      [base + 700, '20261130130000'],
      [base + 1000, '20261130130001'],
      [base - 1000, '20261130125959'],
      [base + 3_000_000, '20261130135000'],
    ]
    for (const [at, date] of seconds) {
      const { res, callback } = await pushAt(at)
      const { MerchantRequestID: merchant, CheckoutRequestID: checkout } = res.body as Record<string, string>
      expect(res.text).toBe(
        `{"MerchantRequestID":"${merchant}","CheckoutRequestID":"${checkout}","ResponseCode":"0","ResponseDescription":"Success. Request accepted for processing","CustomerMessage":"Success. Request accepted for processing"}`,
      )
      const receipt = (callback.json as { Body: { stkCallback: { CallbackMetadata: { Item: Array<{ Value?: unknown }> } } } }).Body.stkCallback.CallbackMetadata.Item[1].Value
      expect(callback.text).toBe(
        `{"Body":{"stkCallback":{"MerchantRequestID":"${merchant}","CheckoutRequestID":"${checkout}","ResultCode":0,"ResultDesc":"The service request is processed successfully.","CallbackMetadata":{"Item":[{"Name":"Amount","Value":1},{"Name":"MpesaReceiptNumber","Value":"${receipt}"},{"Name":"Balance"},{"Name":"TransactionDate","Value":${date}},{"Name":"PhoneNumber","Value":${PHONE}}]}}}}`,
      )
    }
  })

  it('a B2C result, TransactionCompletedDateTime in EAT for each second', async () => {
    const base = Date.UTC(2026, 10, 30, 10, 0, 0, 250)
    const seconds: Array<[number, string]> = [
      [base, '30.11.2026 13:00:00'],
      [base + 700, '30.11.2026 13:00:00'],
      [base + 1000, '30.11.2026 13:00:01'],
      [base - 1000, '30.11.2026 12:59:59'],
    ]
    for (const [at, text] of seconds) {
      clockMs = at
      const before = receiver.received().length
      const res = await http('POST', `${em.url}/mpesa/b2c/v1/paymentrequest`, { headers: bearer(token), body: b2cBody(em, PHONE, `${receiver.url}/b2c`) })
      expect(res.status).toBe(200)
      const [result] = (await receiver.waitFor(before + 1)).slice(before)
      expect(result.text).toContain(`{"Key":"TransactionCompletedDateTime","Value":"${text}"}`)
      expect(result.text).toContain('{"Key":"B2CWorkingAccountAvailableFunds","Value":1199371.0}')
    }
  })
})
