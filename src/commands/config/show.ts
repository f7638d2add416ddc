import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags, connectionFlags } from '../../cli/flags.js'
import { showConfigService, type ShownConfig } from '../../services/show-config.js'

export default class ConfigShow extends BaseCommand<typeof ConfigShow> {
  static summary = 'Show the settings commands would use and where each comes from (flag, env, profile, data-dir, default).'
  static examples = ['<%= config.bin %> config show', '<%= config.bin %> config show --profile staging --json']

  static flags = {
    ...connectionFlags,
    'admin-token': adminFlags['admin-token'],
    'data-dir': adminFlags['data-dir'],
  }

  async run(): Promise<ShownConfig> {
    const shown = showConfigService(this.flags)
    this.log(`Profile ${shown.profile} (config file ${shown.config_file}${shown.profiles.length ? `; profiles: ${shown.profiles.join(', ')}` : ', not created yet'})`)
    const rows: Array<[string, string, { value: string | null; source: string }]> = [
      ['base-url', 'MPG_BASE_URL', shown.settings.base_url],
      ['api-key', 'MPG_API_KEY', shown.settings.api_key],
      ['admin-token', 'MPG_ADMIN_TOKEN', shown.settings.admin_token],
      ['data-dir', 'MPG_DATA_DIR', shown.settings.data_dir],
    ]
    for (const [name, , s] of rows) this.log(`  ${name.padEnd(12)} ${(s.value ?? '(unset)').padEnd(40)} ${s.source}`)
    this.log(`Listen secret: ${shown.listen_secret_file}`)
    return shown
  }
}
