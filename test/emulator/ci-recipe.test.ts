import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { freePort } from '../helpers/free-port.js'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/gateway.js'
import { runBin } from '../helpers/run-cli.js'

/** The CI recipe of emulator/README.md, exactly as a user copies it. */
function recipeFromReadme(): string {
  const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8')
  const match = /<!-- ci-recipe:start -->\s*```sh\n([\s\S]*?)```\s*<!-- ci-recipe:end -->/.exec(readme)
  if (!match) throw new Error('emulator/README.md has no ci-recipe block')
  return match[1]
}

let dir: string | undefined
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
  dir = undefined
})

describe('the CI recipe in emulator/README.md', () => {
  it('runs as written: starts the emulator, waits for health, OAuth, STK push with a shell Password, query until paid', async () => {
    dir = mkdtempSync(join(tmpdir(), 'mpg-ci-recipe-'))
    const script = join(dir, 'daraja-smoke.sh')
    writeFileSync(script, recipeFromReadme(), { mode: 0o700 })
    const port = await freePort()
    // The only substitutions: a free port, and the CLI of this checkout instead of `npx mpg`.
    const child = spawn('bash', [script], {
      cwd: dir,
      env: { ...process.env, MPG: `${process.execPath} ${runBin}`, MPG_EMULATOR_PORT: String(port), NO_COLOR: '1', CI: 'true', OCLIF_SKIP_NEW_VERSION_CHECK: 'true' },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const pushed = /^pushed: (ws_CO_\d+)$/m.exec(stdout)?.[1]
    expect(pushed).toBeTruthy()
    expect(stdout).toContain(`paid: ${pushed}`)
    // The emulator it started saw the whole walkthrough, and is gone (the trap stopped it).
    const log = readFileSync(join(dir, 'emulator.log'), 'utf8')
    expect(log).toMatch(/GET \/oauth\/v1\/generate\?grant_type=client_credentials 200/)
    expect(log).toMatch(/POST \/mpesa\/stkpush\/v1\/processrequest 200/)
    expect(log).toMatch(/POST \/mpesa\/stkpushquery\/v1\/query 200/)
    const stopped = await waitFor(async () => fetch(`http://127.0.0.1:${port}/__emulator/health`).then(() => false, () => true), { what: 'the emulator to stop' })
    expect(stopped).toBe(true)
  })
})
