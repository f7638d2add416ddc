import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startCheckingProxy, type CheckingProxy } from '../helpers/openapi-proxy.js'
import { startTestGateway, waitFor, type TestGateway } from '../helpers/gateway.js'

const run = promisify(execFile)

/**
 * The seed's request examples (gateway-api.txt), verbatim except for the base URL and the key,
 * against a real gateway and emulator; then polling reaches success with a receipt.
 */
let gw: TestGateway
/** The SDK/snippets talk to the gateway through this: every answer they get is held to the OpenAPI document. */
let checked: CheckingProxy
beforeEach(async () => {
  gw = await startTestGateway()
  checked = await startCheckingProxy(gw.url)
})
afterEach(async () => {
  await checked.close()
  await gw.close()
  expect(checked.drift).toEqual([])
})

function expectSeedResponse(data: Record<string, unknown>) {
  expect(data).toMatchObject({
    success: true,
    customer_message: 'Success. Request accepted for processing',
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status: 'pending',
  })
  expect(Object.keys(data).sort()).toEqual(
    ['success', 'transaction_id', 'merchant_request_id', 'checkout_request_id', 'customer_message', 'amount', 'platform_fee', 'net_amount', 'status', 'poll_url'].sort(),
  )
  expect(data.checkout_request_id).toMatch(/^ws_CO_\d{14}\d{1,3}\d{9}$/)
  expect(data.merchant_request_id).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\d+$/)
  expect(data.poll_url).toBe(`/api/v1/transactions/${data.transaction_id}`)
}

async function pollToSuccess(id: string) {
  const transaction = await waitFor(
    async () => {
      const res = await gw.api(`/api/v1/transactions/${id}`)
      const body = (await res.json()) as { transaction: Record<string, unknown> }
      return body.transaction.status === 'pending' ? undefined : body.transaction
    },
    { what: 'a final status' },
  )
  expect(transaction).toMatchObject({
    id,
    reference: expect.stringMatching(/^ORDER-/),
    amount: 100,
    platform_fee: 1.5,
    net_amount: 98.5,
    status: 'success',
    result_code: '0',
    result_desc: 'The service request is processed successfully.',
  })
  expect(transaction.mpesa_receipt_number).toMatch(/^[A-Z0-9]{10}$/)
  expect(transaction.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
}

describe('the seed examples, verbatim', () => {
  it('curl', async () => {
    const script = `curl -X POST ${checked.url}/api/v1/stk-push \\
-H "Authorization: Bearer ${gw.key}" \\
-H "Content-Type: application/json" \\
-H "Idempotency-Key: order-1234-attempt-1" \\
-d '{
"amount": 100,
"phone": "254712345678",
"reference": "ORDER-1234",
"description": "T-shirt"
}'`
    const { stdout } = await run('bash', ['-c', `${script} -s -w '\\n%{http_code}'`])
    const [body, status] = stdout.trim().split('\n')
    expect(status).toBe('201')
    const data = JSON.parse(body)
    expectSeedResponse(data)
    await pollToSuccess(data.transaction_id)
  })

  it('Node fetch', async () => {
    // The snippet runs as its own ES module, exactly as a merchant would paste it.
    const program = `const orderId = 77;
const res = await fetch("${checked.url}/api/v1/stk-push", {
method: "POST",
headers: {
Authorization: \`Bearer \${process.env.MPESA_GATEWAY_KEY}\`,
"Content-Type": "application/json",
"Idempotency-Key": \`order-\${orderId}\`,
},
body: JSON.stringify({
amount: 100,
phone: "254712345678",
reference: \`ORDER-\${orderId}\`,
description: "T-shirt",
}),
});
const data = await res.json();
console.log(data.transaction_id);
`
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', program], { env: { ...process.env, MPESA_GATEWAY_KEY: gw.key } })
    const id = stdout.trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const replay = await gw.api('/api/v1/stk-push', { method: 'POST', json: { amount: 100, phone: '254712345678', reference: 'ORDER-77', description: 'T-shirt' }, headers: { 'idempotency-key': 'order-77' } })
    expect(replay.status).toBe(200)
    expectSeedResponse((await replay.json()) as Record<string, unknown>)
    await pollToSuccess(id)
  })

  it('Python requests', async (ctx) => {
    const python = await findPythonWithRequests()
    if (!python && !process.env.CI) {
      // Outside CI a missing Python is the machine's, not the code's: say so and skip.
      process.stderr.write('seed-examples: skipping the Python example: no python3 with the requests package (pip install requests, or apt-get install python3-requests)\n')
      ctx.skip()
    }
    expect(python, 'no python3 with the requests package: .ci/run installs python3-requests').toBeTruthy()
    const program = `import os, requests
order_id = 42
r = requests.post(
"${checked.url}/api/v1/stk-push",
headers={
"Authorization": f"Bearer {os.environ['MPESA_GATEWAY_KEY']}",
"Content-Type": "application/json",
"Idempotency-Key": f"order-{order_id}",
},
json={
"amount": 100,
"phone": "254712345678",
"reference": f"ORDER-{order_id}",
"description": "T-shirt",
},
timeout=30,
)
r.raise_for_status()
print(r.json()["transaction_id"])
`
    const { stdout } = await run(python!, ['-c', program], { env: { ...process.env, MPESA_GATEWAY_KEY: gw.key } })
    const id = stdout.trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    await pollToSuccess(id)
  })

  it('PHP curl', async (ctx) => {
    const php = await findPhpWithCurl()
    if (!php && !process.env.CI) {
      // Outside CI a missing PHP is the machine's, not the code's: say so and skip.
      process.stderr.write('seed-examples: skipping the PHP example: no php with the curl extension (apt-get install php-cli php-curl)\n')
      ctx.skip()
    }
    expect(php, 'no php with the curl extension: .ci/run installs php-cli and php-curl').toBeTruthy()
    const program = `$orderId = 55;
$ch = curl_init("${checked.url}/api/v1/stk-push");
curl_setopt_array($ch, [
CURLOPT_RETURNTRANSFER => true,
CURLOPT_POST => true,
CURLOPT_HTTPHEADER => [
"Authorization: Bearer " . getenv("MPESA_GATEWAY_KEY"),
"Content-Type: application/json",
"Idempotency-Key: order-" . $orderId,
],
CURLOPT_POSTFIELDS => json_encode([
"amount" => 100,
"phone" => "254712345678",
"reference" => "ORDER-" . $orderId,
"description" => "T-shirt",
]),
]);
$response = curl_exec($ch);
curl_close($ch);
echo $response;
`
    const { stdout } = await run(php!, ['-r', program], { env: { ...process.env, MPESA_GATEWAY_KEY: gw.key } })
    const data = JSON.parse(stdout) as Record<string, unknown>
    expectSeedResponse(data)
    await pollToSuccess(data.transaction_id as string)
  })
})

async function findPythonWithRequests(): Promise<string | undefined> {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      await run(candidate, ['-c', 'import requests'])
      return candidate
    } catch {
      // try the next one
    }
  }
  return undefined
}

async function findPhpWithCurl(): Promise<string | undefined> {
  try {
    await run('php', ['-r', 'exit(function_exists("curl_init") ? 0 : 1);'])
    return 'php'
  } catch {
    return undefined
  }
}
