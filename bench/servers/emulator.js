// The Daraja emulator in its own process (from dist/). Prints {"url","credentials"} first.
// argv[2]: callback delay in ms (default 100).
import { startEmulator } from '../../dist/emulator/index.js'

const emulator = await startEmulator({ port: 0, callbackDelayMs: Number(process.argv[2] ?? 100), maxTransactions: 200_000 })
process.stdout.write(`${JSON.stringify({ url: emulator.url, credentials: emulator.credentials })}\n`)
process.on('SIGTERM', () => {
  void emulator.close().then(() => process.exit(0))
})
