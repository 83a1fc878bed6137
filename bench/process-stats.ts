/**
 * How much memory and CPU a server process used during one load run, read from Linux's /proc (where
 * there is no /proc, both read as undefined and the report says n/a).
 *
 * Peak RSS is sampled rather than read from VmHWM, which holds the peak of the process's whole life and
 * so could not tell one run from the next. CPU use tells whether the server was the bottleneck: a
 * server well under 100 % of its core was waiting for the load generator.
 */
import { readFileSync } from 'node:fs'

const sampleEveryMs = 50
// Linux reports process times in clock ticks of 1/100 s on every architecture Node runs on.
const ticksPerSecond = 100

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}

function rssKiB(pid: number): number | undefined {
  const match = readProc(pid, 'status')?.match(/^VmRSS:\s+(\d+) kB/m)
  return match === null || match === undefined ? undefined : Number(match[1])
}

/** User plus system CPU time, in seconds. */
function cpuSeconds(pid: number): number | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return undefined
  // The command name (field 2) may hold spaces; the fields after it are plain numbers.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

export interface ProcessUsage {
  peakRssMiB: number | undefined
  /** CPU time over wall time, in percent of one core. */
  cpuPercent: number | undefined
}

/** Starts watching `pid`; the returned function stops and tells what it saw. */
export function watchProcess(pid: number): () => ProcessUsage {
  const startedAt = performance.now()
  const cpuAtStart = cpuSeconds(pid)
  let peak = rssKiB(pid)
  const timer = setInterval(() => {
    const rss = rssKiB(pid)
    if (rss !== undefined && (peak === undefined || rss > peak)) peak = rss
  }, sampleEveryMs)
  return () => {
    clearInterval(timer)
    const cpuAtEnd = cpuSeconds(pid)
    const wallSeconds = (performance.now() - startedAt) / 1000
    return {
      peakRssMiB: peak === undefined ? undefined : peak / 1024,
      cpuPercent:
        cpuAtStart === undefined || cpuAtEnd === undefined ? undefined : ((cpuAtEnd - cpuAtStart) / wallSeconds) * 100,
    }
  }
}
