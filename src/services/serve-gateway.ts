import { batchedLines, createLogger } from '../core/logger.js'
import type { ServeFlags } from '../config/gateway-config.js'

export interface ServeEvents {
  ready(info: { url: string; daraja_env: string; daraja_url: string | undefined; account_id?: string; key?: string; admin_token_file?: string; test_mode?: true }): void
  stopped(): void
}

/** `mpg serve`: starts the gateway and keeps it up until SIGINT/SIGTERM, then shuts down gracefully. */
export async function serveGateway(flags: ServeFlags, options: { json: boolean; events: ServeEvents; signal?: AbortSignal }): Promise<void> {
  const { createGateway } = await import('../gateway/create-gateway.js')
  // The ready line comes first: what start-up logs (recovery, warnings) waits behind it.
  let held: string[] | undefined = []
  const lines = batchedLines((text) => process.stdout.write(text))
  // Whatever is still waiting goes out before the process ends, however it ends.
  process.once('exit', lines.flush)
  const write = (line: string) => (held ? held.push(line) : lines.write(line))
  const logger = createLogger({ json: options.json, write })
  const gateway = await createGateway({ flags, requirePublicUrl: true, logger })
  options.events.ready({
    url: gateway.url,
    daraja_env: gateway.config.darajaEnv,
    daraja_url: gateway.emulator?.url ?? gateway.config.darajaBaseUrl,
    ...(gateway.bootstrap ? { account_id: gateway.bootstrap.account_id, key: gateway.bootstrap.key } : {}),
    ...(gateway.adminTokenFile ? { admin_token_file: gateway.adminTokenFile } : {}),
    ...(gateway.config.testMode ? { test_mode: true as const } : {}),
  })
  const startupLines = held
  held = undefined
  for (const line of startupLines) process.stdout.write(`${line}\n`)
  const failure = await new Promise<Error | undefined>((resolve) => {
    const stop = () => resolve(undefined)
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    options.signal?.addEventListener('abort', stop, { once: true })
    // A failed store may hold changes that are not on disk: stop rather than serve them, so a
    // supervisor starts the gateway again from what is on disk (PostgreSQL does the same on a failed fsync).
    void gateway.failed.then(resolve)
  })
  await gateway.close()
  lines.flush()
  process.off('exit', lines.flush)
  if (failure) {
    const { MpgError } = await import('../errors.js')
    throw new MpgError('internal', `The gateway stopped: ${failure.message}`, {
      suggestion: 'Fix the cause (free disk space), then start it again: it resumes from what is on disk, and nothing it acknowledged is lost.',
    })
  }
  options.events.stopped()
}
