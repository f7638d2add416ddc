import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GatewayApiError, GatewayClient } from '../../src/index.js'
import { startCheckingProxy, type CheckingProxy } from '../helpers/openapi-proxy.js'

/** The proxy the SDK, CLI and snippet tests go through fails an answer the document does not describe. */
describe('the OpenAPI-checking proxy', () => {
  const upstream = createServer((req, res) => {
    if (req.url === '/api/v1/transactions/t1') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ transaction: { id: 't1' } }))
    }
    res.writeHead(404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: 'Transaction not found', hint: 'Check the id.', detail: '' }))
  })
  let proxy: CheckingProxy
  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    proxy = await startCheckingProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`)
  })
  afterAll(async () => {
    await proxy.close()
    await new Promise((resolve) => upstream.close(resolve))
  })

  it('passes a documented answer through unchanged, and turns a drifting one into a 502 the client fails on', async () => {
    const client = new GatewayClient({ baseUrl: proxy.url, apiKey: 'mpg_test_abc' })
    await expect(client.getTransaction('t2')).rejects.toMatchObject({ status: 404, body: { error: 'Transaction not found' } })
    expect(proxy.drift).toEqual([])
    const drifted = await client.getTransaction('t1').catch((error: unknown) => error)
    expect(drifted).toBeInstanceOf(GatewayApiError)
    expect(drifted).toMatchObject({ status: 502, body: { error: 'OpenAPI drift' } })
    expect(proxy.drift).toEqual([expect.stringMatching(/GET \/api\/v1\/transactions\/\{id\} → 200: body does not match the document/)])
  })
})
