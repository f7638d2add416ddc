#!/usr/bin/env node
// `mpg --version` answers without loading oclif (about 100 ms of module loading), in oclif's format,
// and so do the plainest forms of `mpg transactions get` and `list` (see src/cli/fast-path.ts).
import { existsSync, readFileSync } from 'node:fs'

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`mpesa-gateway/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else if (!existsSync(new URL('../dist/src/commands/', import.meta.url))) {
  // A clone installed with --ignore-scripts (or before `npm install`): say how to build, not a ModuleLoadError.
  process.stderr.write('Error: mpg is not built yet (dist/ is missing). Run `npm install` (which builds), or `npm run build`.\n')
  process.exitCode = 3
} else if (existsSync(new URL('../dist/bundle/mpg.js', import.meta.url)) && !process.env.MPG_NO_BUNDLE) {
  // The plainest forms of the commands scripts call most run without oclif (src/cli/fast-path.ts);
  // it answers false for anything else. The first-word test keeps other commands from loading it.
  const fast = args[0] === 'transactions' ? await (await import('./fast-path.js')).runFastPath(args) : false
  if (fast !== false) {
    process.exitCode = fast
    await exitWhenFlushed()
  }
  // The bundled CLI (scripts/bundle.mjs): same commands, read from a few files instead of ~1,000.
  const { execute, settings, COMMANDS } = await import('../dist/bundle/mpg.js')
  // The bundle is the compiled source: no looking for TypeScript sources beside it.
  settings.enableAutoTranspile = false
  const root = new URL('..', import.meta.url).pathname
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  pjson.oclif.commands = { strategy: 'explicit', target: './dist/bundle/mpg.js', identifier: 'COMMANDS' }
  void COMMANDS
  await execute({ loadOptions: { root, pjson } })
  await exitWhenFlushed()
} else {
  const { execute } = await import('@oclif/core')
  await execute({ dir: import.meta.url })
}

/**
 * The command is done: exit once stdout and stderr are written, rather than wait for V8's
 * background compile and GC tasks on a big bundle (hundreds of ms on a busy machine).
 */
async function exitWhenFlushed() {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.destroyed || stream.writableLength === 0) continue
    // A reader that went away (`| head`) never drains: an error or close ends the wait too.
    await new Promise((resolve) => {
      stream.once('drain', resolve)
      stream.once('error', resolve)
      stream.once('close', resolve)
    })
  }
  process.exit()
}
