import { BaseCommand } from '../cli/base-command.js'
import { unsetConfigService } from '../services/set-config.js'

export default class Logout extends BaseCommand<typeof Logout> {
  static summary = 'Forget the API key and admin token saved in a profile (default profile unless --profile).'
  static description = 'Removes api-key and admin-token from the config file; MPG_API_KEY and MPG_ADMIN_TOKEN in your environment are yours to unset. The key itself stays valid: revoke it with `mpg keys revoke`.'
  static examples = ['<%= config.bin %> logout', '<%= config.bin %> logout --profile staging']

  async run() {
    const result = unsetConfigService({ profile: this.flags.profile || process.env.MPG_PROFILE || 'default', names: ['api-key', 'admin-token'] })
    this.log(result.removed.length ? `Forgot ${result.removed.join(' and ')} of profile ${result.profile}.` : `Profile ${result.profile} holds no saved key.`)
    if (process.env.MPG_API_KEY) this.note('MPG_API_KEY is still set in this shell: `unset MPG_API_KEY` to stop using it.')
    return result
  }
}
