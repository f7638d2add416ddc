import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(async () => {
  await gw.close()
})

describe('an unknown path', () => {
  // The hint once sent readers to "gateway-api docs in the README", a name the README never uses.
  it('answers 404 with a hint naming the reference this gateway serves, which answers', async () => {
    const res = await fetch(`${gw.url}/api/v1/transaction/abc`)
    expect(res.status).toBe(404)
    const body = (await res.json()) as { error: string; hint: string; detail: string }
    expect(body).toEqual({
      error: 'Not found',
      hint: 'Every endpoint is listed at GET /docs on this gateway (OpenAPI: GET /openapi.json).',
      detail: 'GET /api/v1/transaction/abc',
    })
    expect((await fetch(`${gw.url}/docs`)).status).toBe(200)
    expect((await fetch(`${gw.url}/openapi.json`)).status).toBe(200)
  })
})
