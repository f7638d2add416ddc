// Preloaded (--require) into a server whose CPU profile a bench script takes over a window of its
// own choosing, not the process's whole life (node --cpu-prof would add start-up and warm-up): the
// first SIGUSR2 starts V8's CPU profiler, the second writes the profile to MPG_CPU_PROFILE_FILE
// (a .cpuprofile, as --cpu-prof writes) and stops it. MPG_CPU_PROFILE_INTERVAL_US: sampling interval.
const file = process.env.MPG_CPU_PROFILE_FILE
if (file) {
  const { Session } = require('node:inspector')
  const { writeFileSync } = require('node:fs')
  const session = new Session()
  session.connect()
  const post = (method, params = {}) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))))
  let running = false
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true
      void post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: Number(process.env.MPG_CPU_PROFILE_INTERVAL_US ?? 250) }))
        .then(() => post('Profiler.start'))
      return
    }
    running = false
    void post('Profiler.stop').then(({ profile }) => {
      writeFileSync(`${file}.tmp`, JSON.stringify(profile))
      require('node:fs').renameSync(`${file}.tmp`, file)
    })
  })
}
