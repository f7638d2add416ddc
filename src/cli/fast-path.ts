import './zod-jitless.js'
import { GatewayClient, type GatewayClientOptions } from '../client/gateway-client.js'
import { sendOneShot } from '../client/connections.js'
import { exitCodeForKind } from './exit-codes.js'
import { cliError, errorDocument, errorLine } from './messages.js'
import { resolveSettings } from './settings.js'
import { transactionLines } from './transaction-view.js'

/** Where a fast-path command reads its settings and writes its output; the process's own by default. */
export interface FastPathContext {
  env: NodeJS.ProcessEnv
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** How the request goes out (the build's code-cache warm-up answers it without a network). */
  send: NonNullable<GatewayClientOptions['send']>
}

/**
 * The commands a CI script calls over and over, run without loading oclif (its core alone costs
 * more to load than a whole `node -e 0`). bin/run.js offers every invocation here first; only the
 * plainest forms are taken (no help, no flags but the ones below, no debug tracing), and anything
 * else returns false so that oclif runs it as usual. Output, errors and exit codes are the
 * oclif command's own (src/commands/transactions/get.ts shares its rendering, messages.ts the
 * error forms): test/cli/fast-path.test.ts holds the two to the same bytes.
 *
 * Resolves with the exit code of a command it ran, or false when it did not take the invocation.
 */
export async function runFastPath(argv: string[], context: Partial<FastPathContext> = {}): Promise<number | false> {
  const { env = process.env, stdout = process.stdout, stderr = process.stderr, send = sendOneShot } = context
  if (argv[0] !== 'transactions' || argv[1] !== 'get') return false
  if (env.MPG_DEBUG && env.MPG_DEBUG !== '0') return false
  const parsed = parseFlags(argv.slice(2), ['base-url', 'api-key', 'profile'])
  if (!parsed || parsed.positionals.length !== 1) return false
  const [id] = parsed.positionals
  const json = parsed.json
  try {
    // As oclif's --profile flag does: MPG_PROFILE is the flag's environment variable.
    const profile = parsed.flags.profile ?? (env.MPG_PROFILE || undefined)
    const settings = resolveSettings({ flags: { 'base-url': parsed.flags['base-url'], 'api-key': parsed.flags['api-key'], profile }, env })
    // One request, then exit: Node's own http client (sendOneShot) rather than undici's pool.
    const client = new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: settings.apiKey?.value, adminToken: settings.adminToken?.value, send })
    const transaction = await client.getTransaction(id)
    stdout.write(json ? `${JSON.stringify({ transaction }, null, 2)}\n` : `${transactionLines(transaction).join('\n')}\n`)
    return 0
  } catch (caught) {
    const error = cliError(caught as Error)
    if (json) stdout.write(`${JSON.stringify(errorDocument(error), null, 2)}\n`)
    else stderr.write(errorLine(error))
    return exitCodeForKind[error.kind]
  }
}

/**
 * `--name value`, `--name=value` for the given names, and `--json`; positionals that do not start
 * with "-". Anything else (another flag, `--help`, `--`) is not for the fast path: undefined.
 */
function parseFlags(tokens: string[], names: string[]): { flags: Record<string, string>; json: boolean; positionals: string[] } | undefined {
  const flags: Record<string, string> = {}
  const positionals: string[] = []
  let json = false
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]
    if (token === '--json') json = true
    else if (!token.startsWith('-')) positionals.push(token)
    else {
      const eq = token.indexOf('=')
      const name = token.slice(2, eq < 0 ? undefined : eq)
      if (!token.startsWith('--') || !names.includes(name) || name in flags) return undefined
      const value = eq < 0 ? tokens[++i] : token.slice(eq + 1)
      if (value === undefined || (eq < 0 && value.startsWith('-'))) return undefined
      flags[name] = value
    }
  }
  return { flags, json, positionals }
}
