import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCallbackReceiver, type CallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, waitFor, type TestGateway } from '../helpers/gateway.js'
import { runCli } from '../helpers/run-cli.js'
import { seedSnippetAccepts } from './helpers.js'

let gw: TestGateway
let receiver: CallbackReceiver
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  receiver = await startCallbackReceiver()
  gw = await startTestGateway({ env: { MPG_WEBHOOK_RETRY_DELAYS_MS: '20,20,20' } })
  env = { MPG_BASE_URL: gw.url, MPG_API_KEY: gw.key, MPG_CONFIG_DIR: gw.dataDir }
})
afterAll(async () => {
  await gw.close()
  await receiver.close()
  removeDir(gw.dataDir)
})

const run = async (args: string[]) => {
  const r = await runCli(args, { env })
  return { ...r, json: args.includes('--json') && r.stdout.trim() ? JSON.parse(r.stdout) : undefined }
}

describe('mpg webhooks', () => {
  it('add → list → deliveries → resend → remove, each with --json', async () => {
    const added = await run(['webhooks', 'add', `${receiver.url}/cli`, '--events', 'payment.failed', '--json'])
    expect(added.exitCode).toBe(0)
    expect(added.json).toMatchObject({ id: expect.stringMatching(/^we_/), url: `${receiver.url}/cli`, events: ['payment.failed'], secret: expect.stringMatching(/^whsec_/) })
    const { id, secret } = added.json as { id: string; secret: string }

    const list = await run(['webhooks', 'list', '--json'])
    expect(list.exitCode).toBe(0)
    expect(list.json.data.map((e: { id: string }) => e.id)).toContain(id)
    expect(list.stdout).not.toContain(secret)

    receiver.answerWith({ status: 500, body: 'nope' })
    expect((await gw.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone: '254700000001' }) })).status).toBe(201)
    const failed = await waitFor(async () => {
      const r = await run(['webhooks', 'deliveries', id, '--status', 'failed', '--json'])
      return r.json?.data?.[0]
    }, { timeoutMs: 15_000, what: 'a failed delivery' })
    expect(failed.attempts).toHaveLength(4)
    expect(failed.attempts[0]).toMatchObject({ status_code: 500, response_body: 'nope' })

    const human = await run(['webhooks', 'deliveries', id])
    expect(human.exitCode).toBe(0)
    expect(human.stdout).toContain(failed.id)
    expect(human.stdout).toMatch(/failed\s+4\s+500/)

    receiver.answerWith({ status: 200 })
    const resent = await run(['webhooks', 'resend', failed.id, '--json'])
    expect(resent.exitCode).toBe(0)
    expect(resent.json).toMatchObject({ id: failed.id, status: 'pending' })
    const last = (await receiver.waitFor(5))[4]
    expect(seedSnippetAccepts(secret, last)).toBe(true)

    const removed = await run(['webhooks', 'remove', id, '--json'])
    expect(removed.exitCode).toBe(0)
    expect(removed.json.deleted_at).not.toBeNull()
    const again = await run(['webhooks', 'remove', id, '--json'])
    expect(again.exitCode).toBe(6)
    expect(again.json.error).toMatchObject({ kind: 'not_found' })
  })

  it('pages a long delivery log: the table ends with the command for the next page, --starting-after follows it', async () => {
    const added = await run(['webhooks', 'add', `${receiver.url}/paged`, '--json'])
    const endpoint = (await gw.context.store.getWebhookEndpoint(added.json.id))!
    const at = new Date().toISOString()
    for (let i = 0; i < 3; i++) {
      await gw.context.store.createDelivery({
        ...{ id: `wd_paged_${i}`, event_id: `evt_paged_${i}`, endpoint_id: endpoint.id, account_id: endpoint.account_id, mode: endpoint.mode },
        ...{ event: 'payment.success', status: 'failed', attempts: [], next_attempt_at: null, created_at: at, updated_at: at },
      })
    }
    const first = await run(['webhooks', 'deliveries', endpoint.id, '--status', 'failed', '--limit', '2'])
    expect(first.exitCode).toBe(0)
    expect(first.stdout).toContain('wd_paged_2')
    expect(first.stdout).toContain('wd_paged_1')
    expect(first.stdout).not.toContain('wd_paged_0')
    const more = first.stdout.trim().split('\n').at(-1)!
    expect(more).toBe(`More: mpg webhooks deliveries ${endpoint.id} --status failed --limit 2 --starting-after wd_paged_1`)

    const next = await run(['webhooks', 'deliveries', endpoint.id, '--status', 'failed', '--limit', '2', '--starting-after', 'wd_paged_1', '--json'])
    expect(next.exitCode).toBe(0)
    expect(next.json).toMatchObject({ data: [{ id: 'wd_paged_0' }], has_more: false, next_cursor: null })
    const unknown = await run(['webhooks', 'deliveries', endpoint.id, '--starting-after', 'wd_nope'])
    expect(unknown.exitCode).toBe(2)
    expect(unknown.stderr).toMatch(/starting_after/)
  })

  it('refuses a bad URL or event with a usage exit code and a next step', async () => {
    const scheme = await run(['webhooks', 'add', 'ftp://example.com/x'])
    expect(scheme.exitCode).toBe(2)
    expect(scheme.stderr).toMatch(/Unsupported URL scheme/)
    expect(scheme.stderr).toMatch(/https/)
    const event = await run(['webhooks', 'add', 'http://localhost/x', '--events', 'payment.refunded'])
    expect(event.exitCode).toBe(2)
    expect(event.stderr).toMatch(/payment\.success/)
  })
})
