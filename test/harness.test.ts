/**
 * The leak checks read `harness.logs`; this makes sure that whatever the gateway prints reaches it.
 */
import { afterEach, expect, it } from 'vitest'

import { type Harness, startHarness } from './support/harness.js'

let harness: Harness
afterEach(() => harness.close())

it('catches what the gateway prints through the console, to stdout and through yoga’s logger', async () => {
  harness = await startHarness()
  console.error('printed through console.error')
  console.info('printed through console.info')
  process.stdout.write('printed to stdout\n')
  // Through yoga, which logs at debug level what it serves (the lean lane serves JSON posts and logs nothing).
  await fetch(harness.gatewayUrl.replace(/\/graphql$/, '/health'))

  expect(harness.logs).toContain('console.error printed through console.error')
  expect(harness.logs).toContain('console.info printed through console.info')
  expect(harness.logs).toContain('stdout printed to stdout')
  expect(harness.logs.some((line) => line.startsWith('debug '))).toBe(true)
})
