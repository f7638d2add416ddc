import { BaseCommand } from '../cli/base-command.js'

export default class Version extends BaseCommand<typeof Version> {
  static summary = 'Print the version of mpg (same as --version).'
  static examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<{ version: string; platform: string; arch: string; node: string }> {
    this.log(this.config.userAgent)
    return { version: this.config.version, platform: process.platform, arch: process.arch, node: process.version }
  }
}
