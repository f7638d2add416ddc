import { Args } from '@oclif/core'
import { BaseCommand } from '../../cli/base-command.js'
import { SETTING_NAMES, unsetConfigService, type SettingName } from '../../services/set-config.js'

export default class ConfigUnset extends BaseCommand<typeof ConfigUnset> {
  static summary = 'Remove settings from a profile of the config file (default profile unless --profile).'
  static strict = false
  static examples = ['<%= config.bin %> config unset api-key', '<%= config.bin %> config unset base-url data-dir --profile staging']
  static args = {
    setting: Args.string({ description: 'What to remove: base-url, api-key, admin-token or data-dir (several allowed).', required: true, options: Object.keys(SETTING_NAMES) }),
  }

  async run() {
    const { argv } = await this.parse(ConfigUnset)
    const names = argv as string[]
    const unknown = names.filter((n) => !(n in SETTING_NAMES))
    if (unknown.length > 0) {
      const { MpgError } = await import('../../errors.js')
      throw new MpgError('usage', `Unknown setting ${unknown.join(', ')}.`, { suggestion: `Use ${Object.keys(SETTING_NAMES).join(', ')}.` })
    }
    const result = unsetConfigService({ profile: this.flags.profile || process.env.MPG_PROFILE || 'default', names: names as SettingName[] })
    this.log(result.removed.length ? `Removed ${result.removed.join(', ')} from profile ${result.profile} in ${result.config_file}` : `Nothing to remove: profile ${result.profile} has none of ${names.join(', ')}.`)
    return result
  }
}
