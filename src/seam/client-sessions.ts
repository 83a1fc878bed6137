/**
 * Seam's `/client_sessions/*` endpoints: the request bodies the gateway sends and the client sessions it
 * reads back. Answers are checked against the contract here, at the wire, so a malformed upstream value
 * becomes UPSTREAM_ERROR instead of reaching a client.
 */
import { type JsonObject, type SeamAnswer, type SeamCaller, takeBody } from './client.js'
import { type ClientSessionIdentifier, clientSessionIdentifierOf } from './client-session-key.js'
import { SeamHttpError, SeamInvalidResponseError } from './errors.js'
import { type IsoDateTime, isoDateTime } from './iso-date-time.js'
import type { RequestFields } from './request-fields.js'
import { startedCall } from './started-call.js'
import { toWireBody } from './wire.js'

/** A client session as the gateway serves it. */
export interface ClientSession {
  clientSessionId: string
  workspaceId: string
  createdAt: IsoDateTime
  expiresAt: IsoDateTime
  token: string
  userIdentifierKey: string | null
  deviceCount: number
  connectedAccountIds: string[]
  connectWebviewIds: string[]
  userIdentityId: string | null
  userIdentityIds: string[]
  customerKey: string | null
}

/**
 * What each endpoint is sent, in GraphQL names; the deprecated `userIdentityIds` never goes upstream
 * (the schema translates it to `userIdentityId` first).
 */
export type ClientSessionsFilter = RequestFields<'/client_sessions/list'>
export type ClientSessionCreation = Omit<RequestFields<'/client_sessions/create'>, 'userIdentityIds'>
export type ClientSessionGetOrCreation = Omit<RequestFields<'/client_sessions/get_or_create'>, 'userIdentityIds'>
export type ClientSessionGrant = Omit<RequestFields<'/client_sessions/grant_access'>, 'userIdentityIds'>

class InvalidField extends Error {}

// One reader per kind of field, each given the value itself, rather than one reader given its check as a
// function: that made each check a call through one site that saw every kind, which V8 could not inline,
// for every field of every session of a list.

function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new InvalidField(name)
  return value
}

function stringOrNull(value: unknown, name: string): string | null {
  if (value !== null && typeof value !== 'string') throw new InvalidField(name)
  return value
}

/** An optional field: Seam may leave it out or send null. */
function optionalString(value: unknown, name: string): string | null {
  if (value != null && typeof value !== 'string') throw new InvalidField(name)
  return value ?? null
}

function finiteNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidField(name)
  return value
}

function stringList(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw new InvalidField(name)
  for (const item of value) if (typeof item !== 'string') throw new InvalidField(name)
  return value as string[]
}

/** An optional list, empty when Seam leaves it out or sends null. */
const optionalStringList = (value: unknown, name: string): string[] => (value == null ? [] : stringList(value, name))

/** Checked here once (./iso-date-time.ts): the DateTime scalar serves it as it is. */
function dateTime(value: unknown, name: string): IsoDateTime {
  const checked = isoDateTime(string(value, name))
  if (checked === undefined) throw new InvalidField(name)
  return checked
}

/**
 * Maps a wire `client_session` to a ClientSession. `user_identity_id` replaces the deprecated
 * `user_identity_ids`; while Seam sends either, each field falls back to the other so old and new
 * clients both read a consistent answer. Fields are checked in this order, and the first that does not
 * match the contract is the one an error cites.
 */
function toClientSession(wire: JsonObject): ClientSession {
  const userIdentityIds = optionalStringList(wire['user_identity_ids'], 'user_identity_ids')
  const userIdentityId =
    optionalString(wire['user_identity_id'], 'user_identity_id') ??
    (userIdentityIds.length === 1 ? userIdentityIds[0]! : null)
  return {
    clientSessionId: string(wire['client_session_id'], 'client_session_id'),
    workspaceId: string(wire['workspace_id'], 'workspace_id'),
    createdAt: dateTime(wire['created_at'], 'created_at'),
    expiresAt: dateTime(wire['expires_at'], 'expires_at'),
    token: string(wire['token'], 'token'),
    userIdentifierKey: stringOrNull(wire['user_identifier_key'], 'user_identifier_key'),
    deviceCount: finiteNumber(wire['device_count'], 'device_count'),
    connectedAccountIds: stringList(wire['connected_account_ids'], 'connected_account_ids'),
    connectWebviewIds: stringList(wire['connect_webview_ids'], 'connect_webview_ids'),
    userIdentityId,
    userIdentityIds: userIdentityIds.length > 0 || userIdentityId === null ? userIdentityIds : [userIdentityId],
    customerKey: optionalString(wire['customer_key'], 'customer_key'),
  }
}

function toClientSessionAt(where: string, wire: unknown): ClientSession {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) throw new InvalidField(where)
  try {
    return toClientSession(wire as JsonObject)
  } catch (error) {
    if (!(error instanceof InvalidField)) throw error
    throw new InvalidField(`${where}.${error.message}`)
  }
}

/** Reads an answer's body, once; a field that does not match the contract becomes UPSTREAM_ERROR, citing it. */
function read<T>(answer: SeamAnswer, reader: (body: JsonObject) => T): T {
  try {
    return reader(takeBody(answer))
  } catch (error) {
    if (!(error instanceof InvalidField)) throw error
    throw new SeamInvalidResponseError(`${error.message} does not match the contract`, answer.status, answer.requestId)
  }
}

/** The `client_session` of an answer, or undefined when the answer has none. */
const clientSessionOf = (answer: SeamAnswer): ClientSession | undefined =>
  read(answer, (body) =>
    body['client_session'] == null ? undefined : toClientSessionAt('client_session', body['client_session']),
  )

const missingClientSession = ({ status, requestId }: SeamAnswer) =>
  new SeamInvalidResponseError('client_session is missing', status, requestId)

/** The `client_session` an answer must hold. */
function requiredClientSession(answer: SeamAnswer): ClientSession {
  const session = clientSessionOf(answer)
  if (session === undefined) throw missingClientSession(answer)
  return session
}

function fetchClientSession(seam: SeamCaller, identifier: ClientSessionIdentifier): Promise<ClientSession> {
  return seam.post('/client_sessions/get', toWireBody('/client_sessions/get', identifier), requiredClientSession)
}

/**
 * Seam's own answer that the session does not exist. Not any 404: one without Seam's error body comes
 * from something in between (a proxy, a wrong SEAM_ENDPOINT), and one about another resource is an error.
 */
const isClientSessionNotFound = (error: unknown) =>
  error instanceof SeamHttpError && error.status === 404 && error.apiError?.type === 'client_session_not_found'

/**
 * `/client_sessions/get`; null when Seam does not know the session. This function and the grant's below
 * chain their promises rather than being async functions (./started-call.ts): one promise each instead of
 * two, on the path of nearly every request.
 */
export function getClientSession(seam: SeamCaller, identifier: ClientSessionIdentifier): Promise<ClientSession | null> {
  return startedCall(() => fetchClientSession(seam, identifier)).catch((error: unknown) => {
    if (isClientSessionNotFound(error)) return null
    throw error
  })
}

/**
 * `/client_sessions/grant_access`, answering with the updated session. The contract's schema says the
 * answer holds `client_session`, its own samples answer `{}`: when it is missing, the session is read
 * back with `/client_sessions/get` under the identifier the grant named.
 */
export function grantClientSessionAccess(seam: SeamCaller, grant: ClientSessionGrant): Promise<ClientSession> {
  const identifier = clientSessionIdentifierOf(grant)
  // A missing session fails the grant's call only when there is no identifier to read it back with.
  const granted = startedCall(() =>
    seam.post('/client_sessions/grant_access', toWireBody('/client_sessions/grant_access', grant), (answer) => {
      const session = clientSessionOf(answer)
      if (session === undefined && identifier === undefined) throw missingClientSession(answer)
      return session
    }),
  )
  return granted.then((session) => session ?? fetchClientSession(seam, identifier!))
}

/** `/client_sessions/list`: the sessions that match every filter given, in Seam's order. */
export function listClientSessions(seam: SeamCaller, filter: ClientSessionsFilter): Promise<ClientSession[]> {
  return seam.post('/client_sessions/list', toWireBody('/client_sessions/list', filter), (answer) =>
    read(answer, (body) => {
      const sessions = body['client_sessions']
      if (!Array.isArray(sessions)) throw new InvalidField('client_sessions')
      return sessions.map((wire, index) => toClientSessionAt(`client_sessions.${index}`, wire))
    }),
  )
}

/** `/client_sessions/create`, answering with the new session. */
export function createClientSession(seam: SeamCaller, fields: ClientSessionCreation): Promise<ClientSession> {
  return seam.post('/client_sessions/create', toWireBody('/client_sessions/create', fields), requiredClientSession)
}

/** `/client_sessions/get_or_create`, answering with the session that matched or was created. */
export function getOrCreateClientSession(seam: SeamCaller, fields: ClientSessionGetOrCreation): Promise<ClientSession> {
  return seam.post(
    '/client_sessions/get_or_create',
    toWireBody('/client_sessions/get_or_create', fields),
    requiredClientSession,
  )
}

/** What is read of an answer that only says `ok`: nothing. */
const answeredOk = () => undefined

/** `/client_sessions/revoke`. Seam answers only `ok`; a session it does not know is its 404. */
export async function revokeClientSession(
  seam: SeamCaller,
  fields: RequestFields<'/client_sessions/revoke'>,
): Promise<void> {
  await seam.post('/client_sessions/revoke', toWireBody('/client_sessions/revoke', fields), answeredOk)
}

/** `/client_sessions/delete`. Seam answers only `ok`; a session it does not know is its 404. */
export async function deleteClientSession(
  seam: SeamCaller,
  fields: RequestFields<'/client_sessions/delete'>,
): Promise<void> {
  await seam.post('/client_sessions/delete', toWireBody('/client_sessions/delete', fields), answeredOk)
}
