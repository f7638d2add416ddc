import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'
import { tempDir } from '../helpers/temp-dir.js'

let gw: TestGateway | undefined
afterEach(async () => {
  await gw?.close()
})

describe('store size warning', () => {
  it('warns once, naming the PostgreSQL store, when the JSON file is past the 50 ms-per-write size', async () => {
    const dataDir = tempDir('mpg-large-')
    writeFileSync(join(dataDir, 'gateway.json'), JSON.stringify({ version: 1, meta: { padding: 'x'.repeat(7 * 1024 * 1024) } }))
    gw = await startTestGateway({ dataDir })
    const warnings = gw.logs.filter((l) => l.event === 'store.large')
    expect(warnings).toHaveLength(1)
    expect(String(warnings[0].message)).toMatch(/PostgreSQL/)
  })

  it('stays quiet for a small store', async () => {
    gw = await startTestGateway()
    expect(gw.logs.filter((l) => l.event === 'store.large')).toHaveLength(0)
  })
})
