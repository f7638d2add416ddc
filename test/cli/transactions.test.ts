import { describe, expect, it } from 'vitest'
import { stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import type { CheckingProxy } from '../helpers/openapi-proxy.js'
import { cliGateway, cliEnv } from './cli-env.js'

let gateway: TestGateway
/** `mpg` talks to the gateway through this: every answer it gets is held to the OpenAPI document. */
let checked: CheckingProxy
let configDir: string
cliGateway('test', (rig) => ({ gateway, configDir, checked } = rig))

const mpg = (args: string[]) => runCli(args, { env: cliEnv({ url: checked.url, key: gateway.key }, configDir) })

async function pushAndSettle(phone: string, status: 'success' | 'failed'): Promise<string> {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }) })
  const { transaction_id } = (await res.json()) as { transaction_id: string }
  await waitFor(async () => ((await (await gateway.api(`/api/v1/transactions/${transaction_id}`)).json()) as { transaction: { status: string } }).transaction.status === status, {
    what: `${transaction_id} ${status}`,
  })
  return transaction_id
}

describe('mpg transactions', () => {
  it('get --json prints the transaction exactly as the API returns it', async () => {
    const id = await pushAndSettle('254708374149', 'success')
    const result = await mpg(['transactions', 'get', id, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    const api = await (await gateway.api(`/api/v1/transactions/${id}`)).json()
    expect(JSON.parse(result.stdout)).toEqual(api)
  })

  it('get prints the fields for people with the phone masked', async () => {
    const id = await pushAndSettle('254708374149', 'success')
    const result = await mpg(['transactions', 'get', id])
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/status\s+success/)
    expect(result.stdout).toContain('254708***149')
    expect(result.stdout).not.toContain('254708374149')
  })

  it('get of an unknown id exits 6 (NOT_FOUND)', async () => {
    const result = await mpg(['transactions', 'get', 'no-such-transaction'])
    expect(result.exitCode).toBe(6)
  })

  it('list --reference finds a reference by exact match; the next-page hint keeps the filter', async () => {
    const ids: string[] = []
    for (const reference of ['ORDER-1', 'ORDER-2', 'ORDER-1']) {
      ids.push(((await (await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ reference }) })).json()) as { transaction_id: string }).transaction_id)
    }
    const found = await mpg(['transactions', 'list', '--reference', 'ORDER-1', '--json'])
    expect(found.exitCode, found.stderr).toBe(0)
    expect(JSON.parse(found.stdout).data.map((t: { id: string }) => t.id)).toEqual([ids[2], ids[0]])
    const first = await mpg(['transactions', 'list', '--reference', 'ORDER-1', '--limit', '1'])
    expect(first.stdout).toContain(`More: mpg transactions list --reference "ORDER-1" --starting-after ${ids[2]}`)
  })

  it('list filters by status and limit: a table for people, the page as JSON for scripts', async () => {
    const paid = await pushAndSettle('254708374149', 'success')
    const cancelled = await pushAndSettle('254700000001', 'failed')
    const timedOut = await pushAndSettle('254700000002', 'failed')

    const failed = await mpg(['transactions', 'list', '--status', 'failed', '--json'])
    expect(failed.exitCode).toBe(0)
    const page = JSON.parse(failed.stdout)
    expect(page.data.map((t: { id: string }) => t.id)).toEqual([timedOut, cancelled])
    expect(page.has_more).toBe(false)

    const one = JSON.parse((await mpg(['transactions', 'list', '--limit', '1', '--json'])).stdout)
    expect(one.data.map((t: { id: string }) => t.id)).toEqual([timedOut])
    expect(one.has_more).toBe(true)

    const table = await mpg(['transactions', 'list'])
    const lines = table.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+CREATED\s+STATUS\s+KES\s+PHONE/)
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([timedOut, cancelled, paid])
  })

  it('list --limit outside 1..100 is a usage error (exit 2)', async () => {
    const result = await mpg(['transactions', 'list', '--limit', '500'])
    expect(result.exitCode).toBe(2)
  })
})
