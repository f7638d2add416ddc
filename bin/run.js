#!/usr/bin/env node
// `mpg --version` answers without loading oclif (about 100 ms of module loading), in oclif's format.
import { existsSync, readFileSync } from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`mpesa-gateway/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!existsSync(new URL('../dist/src/commands/', import.meta.url))) {
  // A clone installed with --ignore-scripts (or before `npm install`): say how to build, not a ModuleLoadError.
  process.stderr.write('Error: mpg is not built yet (dist/ is missing). Run `npm install` (which builds), or `npm run build`.\n')
  process.exitCode = 3
} else {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
