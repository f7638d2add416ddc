import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import type { CheckingProxy } from '../helpers/openapi-proxy.js'
import { cliGateway, cliEnv, flat } from './cli-env.js'

let gateway: TestGateway
/** `mpg` talks to the gateway through this: every answer it gets is held to the OpenAPI document. */
let checked: CheckingProxy
let configDir: string
cliGateway('test', (rig) => ({ gateway, configDir, checked } = rig))

const push = ['stk-push', '--phone', '254708374149', '--amount', '100', '--reference', 'ORDER-1', '--description', 'T-shirt']
const mpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: cliEnv({ url: checked.url, key: gateway.key }, configDir, extra) })

async function transactionsOnGateway(): Promise<Array<{ id: string; status: string }>> {
  const res = await gateway.api('/api/v1/transactions?limit=100')
  return ((await res.json()) as { data: Array<{ id: string; status: string }> }).data
}

describe('mpg stk-push', () => {
  it('--json prints exactly one JSON document: the new transaction, as the gateway stored it', async () => {
    const result = await mpg([...push, '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    const doc = JSON.parse(result.stdout)
    expect(doc).toMatchObject({ success: true, amount: 100, platform_fee: 1.5, net_amount: 98.5, status: 'pending', replayed: false })
    expect(doc.poll_url).toBe(`/api/v1/transactions/${doc.transaction_id}`)
    expect((await transactionsOnGateway()).map((t) => t.id)).toEqual([doc.transaction_id])
  })

  it('prints the transaction for people', async () => {
    const result = await mpg(push)
    expect(result.exitCode, result.stderr).toBe(0)
    const [t] = await transactionsOnGateway()
    expect(result.stdout).toContain(`transaction ${t.id}`)
    expect(result.stdout).toContain('KES 100 (fee 1.5, net 98.5)')
  })

  it('--wait follows a paid push to success, prints the receipt and exits 0', async () => {
    const result = await mpg([...push, '--wait'])
    expect(result.exitCode, result.stderr).toBe(0)
    const [t] = await transactionsOnGateway()
    const stored = (await (await gateway.api(`/api/v1/transactions/${t.id}`)).json()) as { transaction: { status: string; mpesa_receipt_number: string } }
    expect(stored.transaction.status).toBe('success')
    expect(result.stdout).toContain(`Paid: receipt ${stored.transaction.mpesa_receipt_number}`)
  })

  it('--wait --json on a cancelled prompt exits 9 (PAYMENT_FAILED) with the failed transaction in the one JSON document', async () => {
    const result = await mpg(['stk-push', '--phone', '254700000001', '--amount', '5', '--reference', 'R', '--description', 'D', '--wait', '--json'])
    expect(result.exitCode).toBe(9)
    const doc = JSON.parse(result.stdout)
    expect(doc.error).toMatchObject({ kind: 'payment_failed', exit_code: 9 })
    expect(doc.error.message).toContain('Request cancelled by user')
    expect(doc.error.suggestion).toMatch(/cancelled/)
    expect(doc.transaction).toMatchObject({ status: 'failed', result_code: '1032', phone: '254700000001' })
  })

  it('--wait exits 10 (TIMEOUT) while the prompt is still held at --timeout', async () => {
    const result = await mpg(['stk-push', '--phone', '254700000008', '--amount', '5', '--reference', 'R', '--description', 'D', '--wait', '--timeout', '1'])
    expect(result.exitCode).toBe(10)
    expect(flat(result.stderr)).toMatch(/still pending after 1 s/)
    expect(flat(result.stderr)).toMatch(/mpg transactions get/)
    const [t] = await transactionsOnGateway()
    expect(t.status).toBe('pending')
  })

  it('without a TTY, a missing flag is a usage error naming it (exit 2), and nothing is sent', async () => {
    const result = await mpg(['stk-push', '--amount', '100', '--reference', 'R', '--description', 'D'])
    expect(result.exitCode).toBe(2)
    expect(result.stderr).toContain('Missing required flag --phone')
    expect(await transactionsOnGateway()).toEqual([])
  })

  it('refuses a bad phone, amount or reference before calling the gateway (exit 2)', async () => {
    const badPhone = await mpg(['stk-push', '--phone', '12345', '--amount', '100', '--reference', 'R', '--description', 'D'])
    expect(badPhone.exitCode).toBe(2)
    expect(badPhone.stderr).toMatch(/Invalid phone "12345"/)
    const badAmount = await mpg(['stk-push', '--phone', '254708374149', '--amount', '10.5', '--reference', 'R', '--description', 'D'])
    expect(badAmount.exitCode).toBe(2)
    expect(badAmount.stderr).toMatch(/whole number/)
    const longRef = await mpg(['stk-push', '--phone', '254708374149', '--amount', '1', '--reference', 'R'.repeat(41), '--description', 'D', '--json'])
    expect(longRef.exitCode).toBe(2)
    expect(JSON.parse(longRef.stdout).error).toMatchObject({ kind: 'usage', exit_code: 2 })
    expect(await transactionsOnGateway()).toEqual([])
  })

  it('--idempotency-key: a retry returns the first transaction, marked replayed', async () => {
    const first = JSON.parse((await mpg([...push, '--idempotency-key', 'order-1-a', '--json'])).stdout)
    const again = await mpg([...push, '--idempotency-key', 'order-1-a', '--json'])
    expect(again.exitCode).toBe(0)
    const second = JSON.parse(again.stdout)
    expect(second.transaction_id).toBe(first.transaction_id)
    expect([first.replayed, second.replayed]).toEqual([false, true])
    expect(await transactionsOnGateway()).toHaveLength(1)
  })

  it('names the next step when the gateway is down (exit 4) or the key is refused (exit 5)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const down = await mpg(push, { MPG_BASE_URL: `http://127.0.0.1:${port}` })
    expect(down.exitCode).toBe(4)
    expect(down.stderr).toContain('mpg serve')
    const refused = await mpg(push, { MPG_API_KEY: 'mpg_test_notarealkeynotarealkeynotareal1' })
    expect(refused.exitCode).toBe(5)
  })
})
