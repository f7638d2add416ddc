import { createLogger } from '../core/logger.js'

export interface WorkerEvents {
  ready(info: { database: string; daraja_env: string; leader: boolean }): void
  stopped(): void
}

/** `mpg worker`: runs the gateway's background work until SIGINT/SIGTERM (or `signal`), then stops cleanly. */
export async function runWorker(flags: { 'database-url'?: string }, options: { json: boolean; events: WorkerEvents; signal?: AbortSignal }): Promise<void> {
  const { startWorker } = await import('../gateway/worker.js')
  const logger = createLogger({ json: options.json })
  const worker = await startWorker({ flags, logger })
  options.events.ready({ database: worker.database, daraja_env: worker.config.darajaEnv, leader: worker.leading })
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
    options.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  await worker.close()
  options.events.stopped()
}
