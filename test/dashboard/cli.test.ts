import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeDir } from '../helpers/gateway.js'
import { runCli, unwrap } from '../helpers/run-cli.js'
import { spawnServe, type ServeProcess } from '../helpers/serve-process.js'

const noDisplay = { DISPLAY: '', WAYLAND_DISPLAY: '' }

describe('mpg serve and mpg dashboard', () => {
  let serve: ServeProcess
  const dataDir = mkdtempSync(join(tmpdir(), 'mpg-dash-cli-'))
  afterAll(async () => {
    serve?.child.kill('SIGTERM')
    await serve?.exited
    removeDir(dataDir)
  })

  it("prints the dashboard URL on serve's ready line, and the gateway serves it", async () => {
    serve = await spawnServe(['--data-dir', dataDir])
    const ready = serve.ready as ServeProcess['ready'] & { dashboard_url?: string }
    expect(ready.dashboard_url).toBe(`${ready.url}/dashboard`)
    const res = await fetch(ready.dashboard_url!)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<div id="app">')
  })

  it('prints the URL where no browser can be opened', async () => {
    const json = await runCli(['dashboard', '--base-url', serve.ready.url, '--json'], { env: noDisplay })
    expect(json.exitCode).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ url: `${serve.ready.url}/dashboard`, opened: false })

    const text = await runCli(['dashboard', '--base-url', serve.ready.url, '--no-open'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toContain(`Dashboard: ${serve.ready.url}/dashboard`)
    expect(text.stdout).toContain('Open it in a browser.')
  })

  it('says how to start the gateway when nothing answers', async () => {
    const res = await runCli(['dashboard', '--base-url', 'http://127.0.0.1:9', '--no-open'], { env: noDisplay })
    expect(res.exitCode).not.toBe(0)
    expect(unwrap(res.stderr)).toContain('mpg serve')
  })
})
