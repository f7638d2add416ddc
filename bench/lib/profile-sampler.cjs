// Preloaded (--require) into a server a bench script profiles over a window of its own choosing,
// not the process's whole life (node --cpu-prof would add start-up and warm-up): the first SIGUSR2
// starts V8's profiler, the second writes the profile to MPG_PROFILE_FILE and stops it. The file
// appears whole (written beside, then renamed), so a script may read it as soon as it exists.
//   MPG_PROFILE_KIND=cpu    V8's CPU profiler (a .cpuprofile, as --cpu-prof writes); the interval in µs
//   MPG_PROFILE_KIND=alloc  V8's sampling heap profiler, collected objects included, so it counts what
//                           was allocated, not what is alive; the interval in bytes
//   MPG_PROFILE_INTERVAL    the sampling interval (default 250 µs, 256 bytes)
const file = process.env.MPG_PROFILE_FILE
if (file) {
  const { Session } = require('node:inspector')
  const { renameSync, writeFileSync } = require('node:fs')
  const session = new Session()
  session.connect()
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
  const alloc = process.env.MPG_PROFILE_KIND === 'alloc'
  const interval = Number(process.env.MPG_PROFILE_INTERVAL ?? (alloc ? 256 : 250))
  const startProfile = alloc
    ? () => post('HeapProfiler.startSampling', { samplingInterval: interval, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
    : () => post('Profiler.enable').then(() => post('Profiler.setSamplingInterval', { interval })).then(() => post('Profiler.start'))
  const stopProfile = alloc
    ? () => post('HeapProfiler.getSamplingProfile').then(async ({ profile }) => (await post('HeapProfiler.stopSampling'), profile))
    : () => post('Profiler.stop').then(({ profile }) => profile)
  let running = false
  process.on('SIGUSR2', () => {
    running = !running
    if (running) return void startProfile()
    void stopProfile().then((profile) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile))
      renameSync(`${file}.tmp`, file)
    })
  })
}
