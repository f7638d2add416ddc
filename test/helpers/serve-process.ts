import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { repoRoot, runBin } from './run-cli.js'

export interface ServeProcess {
  child: ChildProcess
  ready: { url: string; key?: string; account_id?: string; daraja_env: string }
  /** Every stdout line parsed as JSON so far. */
  lines: Array<Record<string, unknown>>
  stderr(): string
  exited: Promise<number | null>
}

/** Spawns `mpg serve --json` as a user would and resolves once it prints its ready line. */
export async function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  // A free port unless the caller names one (a restart on the same port, so late callbacks find it).
  const port = args.includes('--port') ? [] : ['--port', '0']
  const child = spawn(process.execPath, [runBin, 'serve', '--json', ...port, ...args], {
    cwd: repoRoot,
    env: { ...process.env, CI: 'true', NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const lines: Array<Record<string, unknown>> = []
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const ready = await new Promise<ServeProcess['ready']>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>
        lines.push(parsed)
        if (parsed.event === 'ready') resolve(parsed as unknown as ServeProcess['ready'])
      } catch {
        // not JSON: ignore
      }
    })
    void exited.then((code) => reject(new Error(`mpg serve exited with ${code} before ready: ${stderr}`)))
    setTimeout(() => reject(new Error(`mpg serve not ready after 20 s: ${stderr}`)), 20_000).unref()
  })
  return { child, ready, lines, stderr: () => stderr, exited }
}
