// Preloaded (--require) into a process whose allocations bench/emulator-cpu.js counts: the first
// SIGUSR2 starts V8's sampling heap profiler (collected objects included, so it counts what was
// allocated, not what is alive), the second writes the profile to MPG_ALLOC_FILE and stops it.
const file = process.env.MPG_ALLOC_FILE
if (file) {
  const { Session } = require('node:inspector')
  const { writeFileSync } = require('node:fs')
  const session = new Session()
  session.connect()
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
  let sampling = false
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true
      void post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.MPG_ALLOC_INTERVAL ?? 256), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
      return
    }
    sampling = false
    void post('HeapProfiler.getSamplingProfile').then(({ profile }) => {
      writeFileSync(file, JSON.stringify(profile))
      return post('HeapProfiler.stopSampling')
    })
  })
}
