import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { Flags } from '@oclif/core'
import { BaseCommand } from '../cli/base-command.js'
import { baseUrlFlag } from '../cli/flags.js'

/** The platform's "open this URL" program, or undefined where no browser can be shown (a server, CI). */
function opener(url: string): [string, string[]] | undefined {
  if (process.platform === 'darwin') return ['open', [url]]
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url]]
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined
  const found = (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'xdg-open')))
  return found ? ['xdg-open', [url]] : undefined
}

function openInBrowser(url: string): Promise<boolean> {
  const command = opener(url)
  if (!command) return Promise.resolve(false)
  return new Promise((resolve) => {
    const child = spawn(command[0], command[1], { detached: true, stdio: 'ignore' })
    child.once('error', () => resolve(false))
    child.once('spawn', () => {
      child.unref()
      resolve(true)
    })
  })
}

export default class Dashboard extends BaseCommand<typeof Dashboard> {
  static summary = 'Open the dashboard of a running gateway in the default browser (or print its URL).'
  static description =
    'Checks that the gateway answers, then opens <base-url>/dashboard. Where no browser can be opened (no display, CI, --no-open) it prints the URL. Sign in there with an API key, or with the admin token for the admin view; neither is ever put in the URL.'
  static examples = ['<%= config.bin %> dashboard', '<%= config.bin %> dashboard --base-url http://127.0.0.1:8787 --no-open']

  static flags = {
    'base-url': baseUrlFlag,
    open: Flags.boolean({ summary: 'Open the default browser (--no-open only prints the URL).', default: true, allowNo: true }),
  }

  async run(): Promise<{ url: string; opened: boolean }> {
    const client = await this.client()
    await client.health()
    const url = `${client.baseUrl}/dashboard`
    const opened = this.flags.open && (await openInBrowser(url))
    this.log(`Dashboard: ${url}`)
    this.log(opened ? 'Opened in your browser.' : 'Open it in a browser.')
    this.log('Sign in with an API key (mpg_test_… / mpg_live_…), or the admin token for the admin view.')
    return { url, opened }
  }
}
