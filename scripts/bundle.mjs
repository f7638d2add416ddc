// Bundles the compiled CLI (oclif, every command, their dependencies) into dist/bundle/ with
// esbuild, so an ordinary command reads a few large files instead of resolving ~1,000 small ones
// (about 3x faster to start; see bench/README.md). Modules a command loads lazily (the gateway,
// the emulator, inquirer) stay lazy: they become separate chunks. bin/run.js uses the bundle when
// it is there and falls back to dist/src otherwise.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { root } from './inputs-hash.mjs'

const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))
const ids = Object.keys(manifest.commands).filter((id) => manifest.commands[id].pluginType === 'core')
const entry = join(root, 'dist', 'bundle-entry.mjs')
writeFileSync(
  entry,
  [
    "export { execute, settings } from '@oclif/core'",
    ...ids.map((id, i) => `import C${i} from './${manifest.commands[id].relativePath.slice(1).join('/')}'`),
    `export const COMMANDS = { ${ids.map((id, i) => `'${id}': C${i}`).join(', ')} }`,
  ].join('\n'),
)
/**
 * zod's namespaces re-export all of its ~60 message locales (`z.locales`, `z.core.locales`), and a namespace cannot be
 * tree-shaken: about half of zod's bundled bytes, parsed on every start. Nothing here switches
 * locale (messages are English; zod configures `en` itself), so `z.locales` is bundled with `en` only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (args.importer.includes(join('zod', 'v4', '')) ? { path: join(args.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-locales' } : undefined))
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({ contents: `export { default as en } from ${JSON.stringify(args.path)}`, resolveDir: root, loader: 'js' }))
  },
}

rmSync(join(root, 'dist', 'bundle'), { recursive: true, force: true })
await build({
  entryPoints: { mpg: entry },
  outdir: join(root, 'dist', 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // oclif and some dependencies are CommonJS: give them a require that resolves from here.
  banner: { js: "import { createRequire as __mpgRequire } from 'node:module'; const require = __mpgRequire(import.meta.url);" },
  // oclif only needs TypeScript to run sources in development (bin/dev.js): never in the bundle.
  external: ['typescript', 'ts-node', 'tsx'],
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
})
rmSync(entry)

// The commands bin/run.js runs without oclif (src/cli/fast-path.ts): one CommonJS file, so that
// bin/fast-path.js can load it with V8's code cache (written here, after a warm-up run of each form;
// Node 20 has no code cache for ES modules).
await build({
  entryPoints: [join(root, 'dist', 'src', 'cli', 'fast-path.js')],
  outfile: join(root, 'dist', 'bundle', 'fast.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  // undici is reached only through the pooled sendRequest, which the fast path never calls (it sends
  // its one request with src/http/one-shot-request.ts): left out, it is required from node_modules
  // if it is ever needed, instead of being read and compiled on every start.
  external: ['typescript', 'ts-node', 'tsx', 'undici'],
  logLevel: 'warning',
  plugins: [zodEnglishOnly],
})
const { writeCodeCache } = await import(pathToFileURL(join(root, 'bin', 'fast-path.js')).href)
await writeCodeCache()
