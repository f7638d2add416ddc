// `npm start`: builds only when dist/ is stale, then runs `mpg serve` in this very process, so
// Ctrl-C and the exit code pass straight through.
import { join } from 'node:path'
import { buildIfStale } from './build-if-stale.mjs'
import { root } from './inputs-hash.mjs'

buildIfStale()
process.argv = [process.argv[0], join(root, 'bin', 'run.js'), 'serve', ...process.argv.slice(2)]
await import('../bin/run.js')
