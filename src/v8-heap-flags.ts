/**
 * V8 settings for the gateway's own process (`npm start`, the package's bin): imported first by
 * ./main.ts, so that they hold before anything else is loaded. A library user's process is left as it is.
 *
 * Allocation-site pretenuring off. V8 allocates objects straight in the old generation when most objects
 * of the same allocation site outlived a young-generation collection. Under load it decides so for some
 * site on the path of a mutation (not of a query; `mutation { __typename }` alone shows it, through
 * PreparedOperation.execute): an object born old keeps the young objects it points to alive through the
 * next young collections, until a full collection finds it dead. Which site it is was not pinned down
 * (graphql-jit's per-request execution context is the likely one). Measured with `npm run bench:profile`
 * (grant, 32 connections, one sitting): 2.5 MB instead of 0.2–0.6 MB surviving each young collection,
 * garbage collection 15 % instead of 4 % of the busy time, ~170 instead of ~130 µs of CPU per request,
 * p99 21 instead of 12 ms, peak RSS 220–400 instead of ~150 MiB. Queries are unaffected either way.
 */
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--no-allocation-site-pretenuring')
