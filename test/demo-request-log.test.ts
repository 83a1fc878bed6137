/**
 * `npm run demo` may run for days with people pasting keys into GraphiQL: its Seam stand-in keeps only
 * the latest requests, and none of their credentials. The tests' fake keeps everything (see the harness).
 */
import { afterEach, expect, it } from 'vitest'

import {
  createDemoFakeSeam,
  demoApiKey,
  demoPublishableKey,
  demoRecordedRequests,
  demoWorkspace,
  demoWorkspaceId,
} from '../src/fake-seam/demo-data.js'
import type { FakeSeam } from '../src/fake-seam/fake-seam.js'

let fakeSeam: FakeSeam
afterEach(() => fakeSeam.close())

const sessionToken = demoWorkspace.clientSessions![0]!.token

/** Each credential Seam's SDK may send, as it sends it; a workspace ID rides along with the first. */
const credentials: Record<string, string>[] = [
  { authorization: `Bearer ${demoApiKey}`, 'seam-workspace': demoWorkspaceId },
  { 'seam-publishable-key': demoPublishableKey },
  { authorization: `Bearer ${sessionToken}`, 'client-session-token': sessionToken },
  { cookie: `seam_session=${demoApiKey}`, 'proxy-authorization': `Bearer ${demoApiKey}` },
]

it('keeps the latest requests up to its bound, without a credential in any of them', async () => {
  fakeSeam = createDemoFakeSeam()
  const origin = await fakeSeam.listen()
  const sent = demoRecordedRequests + 50
  for (let index = 0; index < sent; index += 1) {
    await fetch(`${origin}/client_sessions/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...credentials[index % credentials.length] },
      body: JSON.stringify({ user_identifier_key: `user_${index}` }),
    }).then((response) => response.arrayBuffer())
  }

  expect(fakeSeam.requests).toHaveLength(demoRecordedRequests)
  // The latest ones, oldest first.
  expect(
    fakeSeam.requests.map((request) => (request.body as { user_identifier_key: string }).user_identifier_key),
  ).toEqual(Array.from({ length: demoRecordedRequests }, (_, index) => `user_${sent - demoRecordedRequests + index}`))
  const recorded = JSON.stringify(fakeSeam.requests)
  for (const secret of [demoApiKey, demoPublishableKey, sessionToken]) expect(recorded).not.toContain(secret)
  // A workspace ID grants nothing by itself: it stays, to show which workspace a request named.
  expect(fakeSeam.requests.filter((request) => request.headers['seam-workspace'] === demoWorkspaceId)).not.toHaveLength(
    0,
  )
})
