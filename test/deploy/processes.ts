import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { repoRoot } from '../helpers/run-cli.js'

export interface ReadyProcess {
  child: ChildProcess
  /** The first JSON line with `"type": "ready"`. */
  ready: Record<string, unknown>
  /** Every JSON line printed so far. */
  lines: Array<Record<string, unknown>>
  stderr(): string
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** Runs `node <args>` from the repository and resolves once it prints a `{"type":"ready"}` line. */
export async function spawnReady(args: string[], env: Record<string, string>): Promise<ReadyProcess> {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', OCLIF_SKIP_NEW_VERSION_CHECK: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const lines: Array<Record<string, unknown>> = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>
        lines.push(parsed)
        if (parsed.type === 'ready') resolve(parsed)
      } catch {
        // not JSON
      }
    })
    void exited.then((code) => reject(new Error(`node ${args.join(' ')} exited with ${code} before ready: ${stderr}`)))
    setTimeout(() => reject(new Error(`node ${args.join(' ')} not ready after 20 s: ${stderr}`)), 20_000).unref()
  })
  return {
    child,
    ready,
    lines,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      return exited
    },
  }
}

