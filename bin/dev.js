#!/usr/bin/env node
// Runs the TypeScript sources through tsx. Commands are discovered from
// src/commands instead of the committed manifest (which describes dist/), so a new command or flag
// shows up without a rebuild.
import { readFileSync } from 'node:fs'
import { execute, Plugin, settings } from '@oclif/core'
import { register } from 'tsx/esm/api'

register()

const root = new URL('..', import.meta.url).pathname
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
pjson.oclif.commands = './src/commands'
for (const [event, path] of Object.entries(pjson.oclif.hooks ?? {})) {
  pjson.oclif.hooks[event] = path.replace('./dist/src/', './src/').replace(/\.js$/, '.ts')
}
// Paths already point at the sources: no dist → src rewriting.
settings.enableAutoTranspile = false

const manifest = Plugin.prototype._manifest
Plugin.prototype._manifest = function () {
  if (this.isRoot) this.options.ignoreManifest = true
  return manifest.call(this)
}

await execute({ development: true, loadOptions: { root, pjson } })
