import pg from 'pg'
import { LOCK_LEADER } from './locks.js'

/**
 * Leadership among the processes sharing one database: a session advisory lock held on a
 * connection of its own. The server frees it when that connection ends (a killed process), and
 * another process takes it on its next try. Needs a direct connection: a pooler in transaction
 * mode would hand the session (and the lock) to someone else.
 */
export class Leadership {
  private client: pg.Client | undefined
  private leading = false
  private trying: Promise<boolean> | undefined
  private closed = false

  constructor(private readonly url: string) {}

  tryLead(): Promise<boolean> {
    this.trying ??= this.attempt()
      .catch(() => this.drop())
      .finally(() => {
        this.trying = undefined
      })
    return this.trying
  }

  private drop(): false {
    this.leading = false
    const client = this.client
    this.client = undefined
    void client?.end().catch(() => undefined)
    return false
  }

  private async attempt(): Promise<boolean> {
    if (this.closed) return false
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 })
      client.on('error', () => this.client === client && this.drop())
      client.on('end', () => this.client === client && this.drop())
      await client.connect()
      this.client = client
    }
    if (this.leading) {
      // Still leading as long as the session that holds the lock is alive.
      await this.client.query('select 1')
      return true
    }
    const { rows } = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LOCK_LEADER])
    this.leading = rows[0].ok
    return this.leading
  }

  /** Ends the session that holds the lock (the server frees it with the session); a later tryLead opens a new one. */
  async resign(): Promise<void> {
    await this.trying?.catch(() => undefined)
    const client = this.client
    this.client = undefined
    this.leading = false
    await client?.end().catch(() => undefined)
  }

  async close(): Promise<void> {
    this.closed = true
    await this.resign()
  }
}
