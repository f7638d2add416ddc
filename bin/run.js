#!/usr/bin/env node
// `mpg --version` answers without loading oclif (about 100 ms of module loading), in oclif's format.
const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { readFileSync } = await import('node:fs')
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`mpesa-gateway/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}
