import './zod-jitless.js'
import { GatewayClient, type GatewayClientOptions } from '../client/gateway-client.js'
import { sendOneShot } from '../client/connections.js'
import { exitCodeForKind } from './exit-codes.js'
import { cliError, errorDocument, errorLine } from './messages.js'
import { resolveSettings } from './settings.js'
import { transactionLines, transactionListLines } from './transaction-view.js'
import { TRANSACTION_LIST_LIMIT, TRANSACTION_STATUSES } from '../schemas/transaction-list.js'

/** Where a fast-path command reads its settings and writes its output; the process's own by default. */
export interface FastPathContext {
  env: NodeJS.ProcessEnv
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** How the request goes out (the build's code-cache warm-up answers it without a network). */
  send: NonNullable<GatewayClientOptions['send']>
}

/** The connection flags every fast-path command takes (oclif's connectionFlags and --profile). */
const CONNECTION_FLAGS = ['base-url', 'api-key', 'profile']

/** Flags whose values oclif checks itself: the fast path takes only values oclif would accept as they are. */
const ACCEPTS: Record<string, (value: string) => boolean> = {
  status: (value) => (TRANSACTION_STATUSES as readonly string[]).includes(value),
  // Flags.integer({ min, max }): digits only, in range.
  limit: (value) => /^\d+$/.test(value) && Number(value) >= TRANSACTION_LIST_LIMIT.min && Number(value) <= TRANSACTION_LIST_LIMIT.max,
}

type Parsed = NonNullable<ReturnType<typeof parseFlags>>

/** What each command the fast path takes needs, and what it prints (the oclif command's own rendering). */
const COMMANDS: Record<string, { flags: string[]; args: number; run(client: GatewayClient, parsed: Parsed): Promise<{ json: unknown; lines: string[] }> }> = {
  // src/commands/transactions/get.ts
  get: {
    flags: CONNECTION_FLAGS,
    args: 1,
    async run(client, { positionals: [id] }) {
      const transaction = await client.getTransaction(id)
      return { json: { transaction }, lines: transactionLines(transaction) }
    },
  },
  // src/commands/transactions/list.ts
  list: {
    flags: [...CONNECTION_FLAGS, 'status', 'reference', 'limit', 'starting-after'],
    args: 0,
    async run(client, { flags }) {
      const page = await client.listTransactions({ status: flags.status, reference: flags.reference, limit: Number(flags.limit ?? TRANSACTION_LIST_LIMIT.default), starting_after: flags['starting-after'] })
      return { json: page, lines: transactionListLines(page, flags) }
    },
  },
}

/**
 * The commands a CI script calls over and over (`transactions get` and `transactions list`), run
 * without loading oclif (its core alone costs more to load than a whole `node -e 0`). bin/run.js
 * offers every `transactions` invocation here first; only the plainest forms are taken (no help,
 * no flags but the ones above with values oclif would accept, no debug tracing), and anything else
 * returns false so that oclif runs it as usual. Output, errors and exit codes are the oclif
 * command's own (the commands share their rendering with this, messages.ts the error forms):
 * test/cli/fast-path.test.ts holds the two to the same bytes.
 *
 * Resolves with the exit code of a command it ran, or false when it did not take the invocation.
 */
export async function runFastPath(argv: string[], context: Partial<FastPathContext> = {}): Promise<number | false> {
  const { env = process.env, stdout = process.stdout, stderr = process.stderr, send = sendOneShot } = context
  const command = argv[0] === 'transactions' && Object.hasOwn(COMMANDS, argv[1]) ? COMMANDS[argv[1]] : undefined
  if (!command) return false
  if (env.MPG_DEBUG && env.MPG_DEBUG !== '0') return false
  const parsed = parseFlags(argv.slice(2), command.flags)
  if (!parsed || parsed.positionals.length !== command.args) return false
  const json = parsed.json
  try {
    // As oclif's --profile flag does: MPG_PROFILE is the flag's environment variable.
    const profile = parsed.flags.profile ?? (env.MPG_PROFILE || undefined)
    const settings = resolveSettings({ flags: { 'base-url': parsed.flags['base-url'], 'api-key': parsed.flags['api-key'], profile }, env })
    // One request, then exit: Node's own http client (sendOneShot) rather than undici's pool.
    const client = new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: settings.apiKey?.value, adminToken: settings.adminToken?.value, send })
    const result = await command.run(client, parsed)
    stdout.write(json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.lines.join('\n')}\n`)
    return 0
  } catch (caught) {
    const error = cliError(caught as Error)
    if (json) stdout.write(`${JSON.stringify(errorDocument(error), null, 2)}\n`)
    else stderr.write(errorLine(error))
    return exitCodeForKind[error.kind]
  }
}

/**
 * `--name value`, `--name=value` for the given names (each once, not empty, a value ACCEPTS
 * takes), `--json` once; positionals that do not start with "-". Anything else (another flag,
 * `--help`, `--`) is not for the fast path: undefined.
 */
function parseFlags(tokens: string[], names: string[]): { flags: Record<string, string>; json: boolean; positionals: string[] } | undefined {
  const flags: Record<string, string> = {}
  const positionals: string[] = []
  let json = false
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === '--json') {
      if (json) return undefined
      json = true
    } else if (!token.startsWith('-')) positionals.push(token)
    else {
      const eq = token.indexOf('=')
      const name = token.slice(2, eq < 0 ? undefined : eq)
      if (!token.startsWith('--') || !names.includes(name) || name in flags) return undefined
      const value = eq < 0 ? tokens[++i] : token.slice(eq + 1)
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('-'))) return undefined
      if (ACCEPTS[name] && !ACCEPTS[name](value)) return undefined
      flags[name] = value
    }
  }
  return { flags, json, positionals }
}
