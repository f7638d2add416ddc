import { isMpgError, MpgError } from '../errors.js'
import { exitCodeForKind } from './exit-codes.js'
import { asSentence, cliError } from './messages.js'

/**
 * The commands a CI script calls over and over, run without loading oclif (its core alone costs
 * more to load than a whole `node -e 0`). bin/run.js offers every invocation here first; only the
 * plainest forms are taken (no help, no flags but the ones below, no debug tracing), and anything
 * else returns false so that oclif runs it as usual. Output, errors and exit codes are the
 * oclif command's own (src/commands/transactions/get.ts shares its rendering).
 *
 * Resolves with the exit code of a command it ran, or false when it did not take the invocation.
 */
export async function runFastPath(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number | false> {
  if (argv[0] !== 'transactions' || argv[1] !== 'get') return false
  if (env.MPG_DEBUG && env.MPG_DEBUG !== '0') return false
  const parsed = parseFlags(argv.slice(2), ['base-url', 'api-key', 'profile'])
  if (!parsed || parsed.positionals.length !== 1) return false
  const [id] = parsed.positionals
  const json = parsed.json
  try {
    const [{ z }, { GatewayClient }, { resolveSettings }, { transactionLines }] = await Promise.all([
      import('zod'),
      import('../client/gateway-client.js'),
      import('./settings.js'),
      import('./transaction-view.js'),
    ])
    // One answer is parsed per process: zod's generated parsers would cost more to build than they save.
    z.config({ jitless: true })
    // As oclif's --profile flag does: MPG_PROFILE is the flag's environment variable.
    const profile = parsed.flags.profile ?? (env.MPG_PROFILE || undefined)
    const settings = resolveSettings({ flags: { 'base-url': parsed.flags['base-url'], 'api-key': parsed.flags['api-key'], profile }, env })
    const client = new GatewayClient({ baseUrl: settings.baseUrl.value, apiKey: settings.apiKey?.value, adminToken: settings.adminToken?.value })
    const transaction = await client.getTransaction(id)
    process.stdout.write(json ? `${JSON.stringify({ transaction }, null, 2)}\n` : `${transactionLines(transaction).join('\n')}\n`)
    return 0
  } catch (caught) {
    const error = cliError(caught as Error)
    const kind = isMpgError(error) ? error.kind : 'internal'
    const exit = exitCodeForKind[kind]
    if (json) {
      const mpg = error as MpgError
      const body = { error: { kind, message: asSentence(mpg.message), suggestion: mpg.suggestion && asSentence(mpg.suggestion), exit_code: exit } }
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
    } else {
      process.stderr.write(`Error: ${[error.message, (error as MpgError).suggestion].filter(Boolean).map((s) => asSentence(s!)).join(' ')}\n`)
    }
    return exit
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
