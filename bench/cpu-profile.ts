/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the busy time went: self time
 * per function, and per category (garbage collection, each package, Node's own HTTP/streams/abort code,
 * our code), over a window of the profile.
 */

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  /** Microseconds, on the same monotonic clock as `process.hrtime`. */
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface Share {
  name: string
  /** Microseconds. */
  time: number
}

export interface ProfileSummary {
  /** Sampled time in the window, idle excluded, in microseconds. */
  busy: number
  idle: number
  categories: Share[]
  functions: (Share & { category: string })[]
  /** Time spent inside (not only directly in) functions of interest, such as AbortSignal creation. */
  inclusive: Share[]
}

/** Where a frame's code comes from, in words a reader of the results knows. */
export function categoryOf({ functionName, url }: CallFrame): string {
  if (functionName === '(garbage collector)') return 'garbage collection'
  if (functionName === '(program)') return 'V8 / native (unattributed)'
  if (functionName === '(idle)') return 'idle'
  const packageName = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]
  if (packageName !== undefined) return packageName
  if (url.includes('abort_controller') || url.includes('domexception')) return 'node: AbortSignal / DOMException'
  if (url.startsWith('node:internal/deps/undici')) return "node: built-in undici (fetch API's Request, Headers…)"
  if (/^node:(_http|internal\/http|http)/.test(url)) return 'node: http'
  if (/^node:(internal\/)?(streams?|net|stream_base)/.test(url)) return 'node: streams and sockets'
  if (/^node:internal\/(timers|process\/task_queues|async_hooks)/.test(url)) return 'node: timers and task queues'
  if (/^node:(events|internal\/event_target)/.test(url)) return 'node: events'
  if (url.startsWith('node:internal/modules')) return 'node: module loading'
  if (url.startsWith('node:')) return 'node: other'
  if (url.includes('/dist/')) return 'gateway (our code)'
  if (url === '') return 'native and V8 builtins (writev, microtasks, JSON.parse…)'
  return 'other'
}

const inPackage = (url: string, name: string) => url.includes(`node_modules/${name}/`)

/**
 * Functions whose inclusive time is worth its own line. Inclusive means on the synchronous stack: work
 * that resumes after an `await` is sampled under the microtask queue, not under the function that awaited.
 */
const interesting: { name: string; matches(frame: CallFrame): boolean }[] = [
  {
    name: 'AbortSignal / AbortController / DOMException (any caller)',
    matches: ({ url }) => url.includes('abort_controller') || url.includes('domexception'),
  },
  {
    name: 'JSON.parse / JSON.stringify (V8 builtins)',
    matches: ({ functionName, url }) => url === '' && /^(parse|stringify)$/.test(functionName),
  },
  {
    name: 'graphql-js parse + validate (zero when yoga serves them from its cache)',
    matches: ({ functionName, url }) => inPackage(url, 'graphql') && /^(parse|validate)$/.test(functionName),
  },
  {
    name: 'execute (@graphql-tools/executor), synchronous part',
    matches: ({ functionName, url }) => inPackage(url, '@graphql-tools/executor') && functionName === 'execute',
  },
  {
    name: 'our Seam client: SeamClient#post, synchronous part',
    matches: ({ functionName, url }) => url.endsWith('/seam/client.js') && functionName === '#post',
  },
  {
    name: 'undici Pool request, synchronous part',
    matches: ({ functionName, url }) => inPackage(url, 'undici') && functionName === 'request',
  },
]

/** Summarises the samples taken between `from` and `to` (microseconds, the profile's clock). */
export function summarise(profile: CpuProfile, from = -Infinity, to = Infinity): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parentOf = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id)

  const selfTime = new Map<number, number>()
  let timestamp = profile.startTime
  for (let index = 0; index < profile.samples.length; index++) {
    timestamp += profile.timeDeltas[index] ?? 0
    // Each sample stands for the interval up to the next one.
    const interval = profile.timeDeltas[index + 1] ?? 0
    if (timestamp < from || timestamp > to) continue
    const id = profile.samples[index]!
    selfTime.set(id, (selfTime.get(id) ?? 0) + interval)
  }

  const categories = new Map<string, number>()
  const functions = new Map<string, Share & { category: string }>()
  const inclusive = new Map<string, number>()
  let idle = 0
  let busy = 0
  for (const [id, time] of selfTime) {
    const { callFrame } = byId.get(id)!
    const category = categoryOf(callFrame)
    if (category === 'idle') {
      idle += time
      continue
    }
    busy += time
    categories.set(category, (categories.get(category) ?? 0) + time)
    const location =
      callFrame.url === '' ? '' : ` ${callFrame.url.replace(/^.*node_modules\//, '')}:${callFrame.lineNumber + 1}`
    const key = `${callFrame.functionName || '(anonymous)'}${location}`
    const entry = functions.get(key) ?? { name: key, time: 0, category }
    entry.time += time
    functions.set(key, entry)
    // A sample counts once for each function of interest on its stack, however deep the recursion.
    const seen = new Set<string>()
    for (let node: number | undefined = id; node !== undefined; node = parentOf.get(node)) {
      for (const { name, matches } of interesting) {
        if (!seen.has(name) && matches(byId.get(node)!.callFrame)) {
          seen.add(name)
          inclusive.set(name, (inclusive.get(name) ?? 0) + time)
        }
      }
    }
  }
  const byTime = (a: Share, b: Share) => b.time - a.time
  return {
    busy,
    idle,
    categories: [...categories].map(([name, time]) => ({ name, time })).sort(byTime),
    functions: [...functions.values()].sort(byTime),
    inclusive: interesting.map(({ name }) => ({ name, time: inclusive.get(name) ?? 0 })),
  }
}

export function formatSummary(summary: ProfileSummary, top = 25): string {
  const percent = (time: number) => `${((time / summary.busy) * 100).toFixed(1).padStart(5)} %`
  const total = summary.busy + summary.idle
  return [
    `busy ${(summary.busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled ` +
      `(${((summary.busy / total) * 100).toFixed(0)} % of the server's core); shares below are of busy time`,
    '',
    'Self time by category:',
    ...summary.categories.map(({ name, time }) => `  ${percent(time)}  ${name}`),
    '',
    'Inclusive time of functions of interest:',
    ...summary.inclusive.map(({ name, time }) => `  ${percent(time)}  ${name}`),
    '',
    `Top ${top} functions by self time:`,
    ...summary.functions.slice(0, top).map(({ name, time, category }) => `  ${percent(time)}  ${name}  [${category}]`),
  ].join('\n')
}
