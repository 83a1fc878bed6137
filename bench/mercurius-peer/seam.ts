/**
 * The peer's upstream calls, written as a Mercurius user would: one keep-alive undici Pool, a POST with
 * the JSON body under Seam's snake_case names, and the answer's `client_session` renamed to the
 * schema's camelCase with its dates parsed. The same requests, headers and answers as the gateway's,
 * and nothing else per call: no deadline, retries, budget, limiter, size cap or response checks.
 */
import { DateTimeResolver } from 'graphql-scalars'
import { Pool } from 'undici'

export type WireObject = Record<string, unknown>

/** A client session as the schema serves it. */
export interface ClientSession {
  clientSessionId: string
  workspaceId: string
  createdAt: Date
  expiresAt: Date
  token: string
  userIdentifierKey: string | null
  deviceCount: number
  connectedAccountIds: string[]
  connectWebviewIds: string[]
  userIdentityId: string | null
  userIdentityIds: string[]
  customerKey: string | null
}

/** An answer other than 2xx, as an error a resolver throws. */
export class SeamError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
  ) {
    super(`Seam answered ${status}${type === undefined ? '' : ` (${type})`}`)
  }
}

export interface Seam {
  post(path: string, body: WireObject, authorization: string): Promise<WireObject>
}

/** The gateway's pool settings (128 connections, 30 s keep-alive), against `origin`. */
export function createSeam(origin: string): Seam {
  const pool = new Pool(origin, { connections: 128, keepAliveTimeout: 30_000 })
  return {
    async post(path, body, authorization) {
      const answer = await pool.request({
        method: 'POST',
        path,
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      })
      const parsed = (await answer.body.json()) as WireObject
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        const error = parsed['error'] as { type?: string } | undefined
        throw new SeamError(answer.statusCode, error?.type)
      }
      return parsed
    },
  }
}

/** `clientSessionId` → `client_session_id`; null and absent fields are left out, as the gateway does. */
export function toWireBody(input: Record<string, unknown>): WireObject {
  const body: WireObject = {}
  for (const [name, value] of Object.entries(input)) {
    if (value != null) body[name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value
  }
  return body
}

const dateTime = (value: unknown) => DateTimeResolver.parseValue(value) as Date

export function toClientSession(wire: WireObject): ClientSession {
  return {
    clientSessionId: wire['client_session_id'] as string,
    workspaceId: wire['workspace_id'] as string,
    createdAt: dateTime(wire['created_at']),
    expiresAt: dateTime(wire['expires_at']),
    token: wire['token'] as string,
    userIdentifierKey: (wire['user_identifier_key'] as string | null | undefined) ?? null,
    deviceCount: wire['device_count'] as number,
    connectedAccountIds: wire['connected_account_ids'] as string[],
    connectWebviewIds: wire['connect_webview_ids'] as string[],
    userIdentityId: (wire['user_identity_id'] as string | null | undefined) ?? null,
    userIdentityIds: (wire['user_identity_ids'] as string[] | null | undefined) ?? [],
    customerKey: (wire['customer_key'] as string | null | undefined) ?? null,
  }
}
