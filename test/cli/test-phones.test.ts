import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { STK_OUTCOMES, STK_TEST_NUMBERS, defaultB2cOutcome, defaultStkOutcome } from '../../emulator/scenarios.js'
import { B2C_FAILING_PHONE, FAILURE_PHONES, FAILURE_RESULT_CODES, PAYING_PHONE } from '../../src/services/test-phones.js'
import { repoRoot, runCli } from '../helpers/run-cli.js'

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('the emulator test phones have one source: its scenario table', () => {
  it('the trigger phones are the ones the emulator resolves to those outcomes', () => {
    expect(defaultStkOutcome(PAYING_PHONE)).toMatchObject({ resultCode: 0, callback: 'once', hold: false })
    for (const [code, phone] of Object.entries(FAILURE_PHONES)) {
      expect(defaultStkOutcome(phone).resultCode, phone).toBe(Number(code))
      expect(defaultStkOutcome(phone).syncError, phone).toBeUndefined()
    }
    expect(defaultB2cOutcome(B2C_FAILING_PHONE).resultCode).toBe(1)
    // Every plain failure of the table can be triggered.
    const plainFailures = Object.values(STK_TEST_NUMBERS)
      .map((name) => STK_OUTCOMES[name])
      .filter((o) => o.resultCode !== 0 && o.callback === 'once' && !o.hold && !o.syncError)
      .map((o) => String(o.resultCode))
    expect([...FAILURE_RESULT_CODES].sort()).toEqual([...new Set(plainFailures)].sort())
  })

  it('no CLI or service source spells a test phone out', () => {
    const offenders = [...sourceFiles(join(repoRoot, 'src/commands')), ...sourceFiles(join(repoRoot, 'src/services')), ...sourceFiles(join(repoRoot, 'src/cli'))].filter((file) =>
      /2547000000\d\d/.test(readFileSync(file, 'utf8')),
    )
    expect(offenders).toEqual([])
  })

  it('`mpg trigger --help` offers exactly the result codes the table can produce', async () => {
    const help = await runCli(['trigger', '--help'])
    expect(help.exitCode).toBe(0)
    const options = /<options: ([\d|]+)>/.exec(help.stdout)?.[1].split('|')
    expect(options?.sort()).toEqual([...FAILURE_RESULT_CODES].sort())
  })
})
