import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../dashboard-files.js'

let version: string | undefined

/** The package's version (the document's `info.version`). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version
  return version
}
