/**
 * What `npm start` loads only when the configuration asks for it (./src/process-lifecycle.ts
 * `dependenciesFor`): prom-client and OpenTelemetry for metrics and tracing; jose, rate-limiter-flexible
 * and ioredis for authentication, rate limits and Redis. They take a good part of start-up and memory.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { loadConfig } from '../src/config.js'
import { createGateway } from '../src/gateway.js'
import { dependenciesFor } from '../src/process-lifecycle.js'

const optionalPackages = [
  '/jose/',
  '/ioredis/',
  '/rate-limiter-flexible/',
  '/prom-client/',
  '/@opentelemetry/sdk-trace',
]

// A resolve hook in a fresh process that refuses them: an import of one fails, naming it.
const refuseOptionalPackages = `
  import { register } from 'node:module'
  register('data:text/javascript,' + encodeURIComponent(\`
    const optional = ${JSON.stringify(optionalPackages)}
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context)
      if (optional.some((part) => resolved.url.includes(part))) throw new Error('loaded ' + resolved.url)
      return resolved
    }\`))`

describe('optional dependencies', () => {
  it('a gateway without metrics, tracing, authentication, rate limits or Redis loads none of their packages', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        `data:text/javascript,${encodeURIComponent(refuseOptionalPackages)}`,
        '--input-type=module',
        '--eval',
        [
          "const { loadConfig } = await import('./src/config.ts')",
          "const { dependenciesFor } = await import('./src/process-lifecycle.ts')",
          "const { createGateway } = await import('./src/gateway.ts')",
          'const config = loadConfig({})',
          'const gateway = createGateway(config, await dependenciesFor(config))',
          'await gateway.close()',
          "console.log('created')",
        ].join('; '),
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
    )

    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('created')
  })

  it('loads authentication, rate limits and Redis when one of them is asked for', async () => {
    expect(await dependenciesFor(loadConfig({}))).toEqual({})
    const limited = await dependenciesFor(loadConfig({ RATE_LIMIT_PER_MINUTE: '5' }))
    expect(Object.keys(limited)).toEqual(['accessControl'])
    expect(Object.keys(await dependenciesFor(loadConfig({ REDIS_URL: 'redis://127.0.0.1:1' })))).toEqual([
      'accessControl',
    ])
  })

  it('createGateway says what is missing rather than running without it', () => {
    const options = { seamEndpoint: 'http://127.0.0.1:9', upstreamTimeoutMs: 1_000, rateLimitPerMinute: 5 }
    expect(() => createGateway(options)).toThrow('dependencies.accessControl')
  })
})
