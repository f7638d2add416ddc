// An STK push request straight to the emulator, as a merchant's own Daraja client sends it: an
// OAuth token fetched once, a valid Password for this second, callbacks to `callbackUrl`.
import { getJson } from './procs.js'

/** Returns {path, headers, body} for autocannon, after fetching the emulator's OAuth token. */
export async function emulatorStkPush(emulatorUrl, credentials, callbackUrl) {
  const basic = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString('base64')
  const token = await getJson(`${emulatorUrl}/oauth/v1/generate?grant_type=client_credentials`, { headers: { authorization: `Basic ${basic}` } })
  if (token.status !== 200) throw new Error(`emulator OAuth answered ${token.status}`)
  const now = new Date()
  const p = (n) => String(n).padStart(2, '0')
  const timestamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`
  return {
    path: '/mpesa/stkpush/v1/processrequest',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token.body.access_token}` },
    body: {
      BusinessShortCode: credentials.shortcode,
      Password: Buffer.from(`${credentials.shortcode}${credentials.passkey}${timestamp}`).toString('base64'),
      Timestamp: timestamp,
      TransactionType: 'CustomerPayBillOnline',
      Amount: 100,
      PartyA: '254708374149',
      PartyB: credentials.shortcode,
      PhoneNumber: '254708374149',
      CallBackURL: callbackUrl,
      AccountReference: 'ORDER-1234',
      TransactionDesc: 'T-shirt',
    },
  }
}
