import { afterEach, describe, expect, it } from 'vitest'
import { startCallbackReceiver } from '../helpers/callback-receiver.js'
import { removeDir, startTestGateway, stkBody, type TestGateway } from '../helpers/gateway.js'
import { cliEnv, spawnCli, tempConfigDir, type SpawnedCli } from '../cli/cli-env.js'

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

async function setup(): Promise<{ gateway: TestGateway; env: NodeJS.ProcessEnv }> {
  const gateway = await startTestGateway()
  cleanups.push(async () => {
    await gateway.close()
    removeDir(gateway.dataDir)
  })
  const configDir = tempConfigDir()
  cleanups.push(() => removeDir(configDir))
  return { gateway, env: cliEnv(gateway, configDir) }
}

function spawn(args: string[], env: NodeJS.ProcessEnv): SpawnedCli {
  const run = spawnCli(args, env)
  cleanups.push(() => run.child.kill('SIGKILL'))
  return run
}

async function push(gateway: TestGateway, phone: string): Promise<void> {
  const res = await gateway.api('/api/v1/stk-push', { method: 'POST', json: stkBody({ phone }) })
  expect(res.status).toBe(201)
}

/** The exit of `run`, or 'still running' when it has not ended within the deadline. */
async function exitWithin(run: SpawnedCli, ms: number) {
  return Promise.race([run.exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms).unref())])
}

// `mpg tail --json | head -n 1`: once the reader of stdout is gone, a streaming command must end
// (exit 0, as for Ctrl-C) instead of streaming into a closed pipe forever and hanging the pipeline.
describe('streaming commands end when their stdout is closed (| head)', () => {
  it('tail --json', async () => {
    const { gateway, env } = await setup()
    const run = spawn(['tail', '--json'], env)
    await run.connected()
    await push(gateway, '254700000001')
    await run.nextLine(0)
    run.child.stdout.destroy()
    await push(gateway, '254700000001')
    expect(await exitWithin(run, 15_000)).toEqual({ code: 0, signal: null })
  })

  it('listen --json', async () => {
    const { gateway, env } = await setup()
    const local = await startCallbackReceiver()
    cleanups.push(() => local.close())
    const run = spawn(['listen', '--forward-to', `${local.url}/hook`, '--json'], env)
    await run.connected()
    await push(gateway, '254700000001')
    await run.waitForLines(1, (line) => line.includes('"forwarded"'))
    run.child.stdout.destroy()
    await push(gateway, '254700000001')
    expect(await exitWithin(run, 15_000)).toEqual({ code: 0, signal: null })
  })
})
