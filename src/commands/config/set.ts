import { BaseCommand } from '../../cli/base-command.js'
import { adminFlags, connectionFlags } from '../../cli/flags.js'
import { setConfigService } from '../../services/set-config.js'

export default class ConfigSet extends BaseCommand<typeof ConfigSet> {
  static summary = 'Save settings into a profile of the config file (default profile unless --profile).'
  static description = 'The file lives in $MPG_CONFIG_DIR or $XDG_CONFIG_HOME/mpesa-gateway (default ~/.config/mpesa-gateway), mode 0600. Flags and environment variables still win over it.'
  static examples = [
    '<%= config.bin %> config set --base-url http://127.0.0.1:8787 --api-key mpg_test_…',
    '<%= config.bin %> config set --profile staging --base-url https://pay.example.com --api-key mpg_test_…',
  ]

  static flags = {
    ...connectionFlags,
    'admin-token': adminFlags['admin-token'],
    'data-dir': adminFlags['data-dir'],
  }

  async run() {
    const { flags } = this
    const saved = setConfigService({
      profile: flags.profile || process.env.MPG_PROFILE || 'default',
      base_url: flags['base-url'],
      api_key: flags['api-key'],
      admin_token: flags['admin-token'],
      data_dir: flags['data-dir'],
    })
    this.log(`Saved ${saved.changed.join(', ')} to profile ${saved.profile} in ${saved.config_file}`)
    return saved
  }
}
