import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

/** The dashboard ships at most this much JavaScript, gzipped, in total. */
const JS_BUDGET_BYTES = 100 * 1024

/** Fails the build when the shipped JavaScript outgrows the budget, so no test can forget to check it. */
function jsBudget(): Plugin {
  return {
    name: 'mpg-js-budget',
    generateBundle(_options, bundle) {
      let total = 0
      for (const file of Object.values(bundle)) {
        if (file.type === 'chunk') total += gzipSync(file.code).byteLength
      }
      if (total > JS_BUDGET_BYTES) this.error(`dashboard JavaScript is ${(total / 1024).toFixed(1)} KiB gzipped; the budget is ${JS_BUDGET_BYTES / 1024} KiB`)
    },
  }
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/dashboard/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline polyfill: the CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  plugins: [jsBudget()],
})
