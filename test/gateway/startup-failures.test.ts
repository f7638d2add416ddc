import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runCli, unwrap } from '../helpers/run-cli.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
function dataDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mpg-startup-'))
  dirs.push(dir)
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

const serve = (dir: string, json: boolean) => runCli(['serve', '--port', '0', '--data-dir', dir, ...(json ? ['--json'] : [])], { timeoutMs: 15_000 })

describe('start-up failures exit at once with one line (emulator mode: nothing left running)', () => {
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a snapshot holding null', { 'gateway.json': 'null' }, /gateway\.json is not a gateway store \(it holds null\)\. Restore .* move it aside/],
    ['a garbage snapshot', { 'gateway.json': '{"version":1,' }, /gateway\.json is not valid JSON .* Restore/],
    ['a foreign journal', { 'gateway.journal': 'hello' }, /gateway\.journal is not a gateway journal .* Restore/],
    ['a damaged seal-key', { 'seal-key': 'not a key\n' }, /seal-key does not hold a seal key .* Restore/],
    ['an empty admin-token', { 'admin-token': '\n' }, /admin-token does not hold an admin token .* delete it/],
  ]
  for (const [what, files, message] of cases) {
    it(`${what}: --json prints one {"error": …} object and exits non-zero; without it, one line on stderr`, async () => {
      const dir = dataDir(files)
      const json = await serve(dir, true)
      // A hang would be killed by the timeout (exit code null).
      expect(json.exitCode).not.toBeNull()
      expect(json.exitCode).not.toBe(0)
      // Exactly one JSON object on one line of stdout (NDJSON, like the rest of serve --json).
      expect(json.stdout.trim().split('\n')).toHaveLength(1)
      const parsed = JSON.parse(json.stdout) as { error: { message: string; suggestion: string } }
      expect(`${parsed.error.message} ${parsed.error.suggestion}`).toMatch(message)

      const plain = await serve(dir, false)
      expect(plain.exitCode).toBe(json.exitCode)
      expect(plain.stdout).toBe('')
      expect(unwrap(plain.stderr)).toMatch(message)
      expect(plain.stderr).not.toMatch(/at .*\.js:\d+/)
      // Nothing was overwritten.
      for (const [name, content] of Object.entries(files)) expect(readFileSync(join(dir, name), 'utf8')).toBe(content)
    })
  }

  it('a failure after the in-process emulator started (a busy port) closes it: --json exits with one error object', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    try {
      const port = (blocker.address() as AddressInfo).port
      const r = await runCli(['serve', '--json', '--port', String(port), '--data-dir', dataDir({})], { timeoutMs: 15_000 })
      expect(r.exitCode).toBe(7)
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'conflict', message: expect.stringContaining(`Port ${port}`) } })
    } finally {
      blocker.close()
    }
  })
})
