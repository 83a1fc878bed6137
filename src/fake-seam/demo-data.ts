/**
 * The workspace `npm run demo` serves: a demo API key and a few client sessions. Fixed IDs, so the
 * examples of the README and docs/operations.md work as printed. And the stand-in that serves it, as the
 * demo builds it.
 */
import { FakeSeam, type FakeSeamOptions } from './fake-seam.js'

export const demoApiKey = 'seam_demo1_0123456789abcdefDEMOKEY'
export const demoWorkspaceId = '7f3a1c2e-5b4d-4e8f-9a0b-1c2d3e4f5a6b'
/** For `createClientSession` and `getOrCreateClientSession` from a browser, as Seam's SDK does it. */
export const demoPublishableKey = 'seam_pk1_demoPublishableKey'

const inAYear = new Date(Date.now() + 365 * 24 * 60 * 60 * 1000).toISOString()

export const demoWorkspace: FakeSeamOptions = {
  workspaceId: demoWorkspaceId,
  apiKeys: [demoApiKey],
  publishableKeys: [demoPublishableKey],
  clientSessions: [
    {
      client_session_id: '3ada79d3-2848-4320-b2ef-a82e1e6dafac',
      workspace_id: demoWorkspaceId,
      created_at: '2026-11-01T09:30:00.000Z',
      expires_at: inAYear,
      token: 'seam_cst1_demoJaneDoeToken',
      user_identifier_key: 'jane_doe',
      device_count: 2,
      connected_account_ids: ['c35ecf64-474a-466a-95a6-7b35cb4c8bb4'],
      connect_webview_ids: [],
      user_identity_ids: [],
    },
    {
      client_session_id: '8b0c5f7e-1d2a-4c3b-9e8f-7a6b5c4d3e2f',
      workspace_id: demoWorkspaceId,
      created_at: '2026-11-10T14:00:00.000Z',
      expires_at: inAYear,
      token: 'seam_cst1_demoJohnRoeToken',
      user_identifier_key: 'john_roe',
      device_count: 0,
      connected_account_ids: [],
      connect_webview_ids: ['dad03fb2-f801-449c-ab88-0529728c7c38'],
      user_identity_id: 'bde98963-3615-4e92-943e-17de3017232b',
      user_identity_ids: ['bde98963-3615-4e92-943e-17de3017232b'],
      customer_key: 'customer_acme',
    },
  ],
}

/** Enough recent requests to look at in a debugger; the demo may run for days. */
export const demoRecordedRequests = 100

/**
 * The stand-in `npm run demo` serves: it keeps only the latest requests, and no credential of theirs,
 * so a long demo neither grows without bound nor holds the keys people paste into GraphiQL.
 */
export const createDemoFakeSeam = () =>
  new FakeSeam({ ...demoWorkspace, maxRecordedRequests: demoRecordedRequests, recordCredentials: false })
