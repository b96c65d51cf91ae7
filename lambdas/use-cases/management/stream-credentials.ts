import { generateClientCredentials, hashClientSecret } from '../../core/client-secrets';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import { isJsonObject } from '../../core/field-path';
import type { StreamRecord } from '../../core/stream-definition';
import { isCredentialExpired } from '../../core/stream-status';
import { endConnections } from './end-connections';
import { ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

type CredentialPorts = Pick<ManagementPorts, 'streams' | 'connections' | 'sockets' | 'now' | 'audit'>;

/** The most client credentials one stream may have (each is a secret that can leak; expired ones go). */
export const MAX_CREDENTIALS_PER_STREAM = 20;
/** A temporary credential lives at least a minute and at most a year. */
export const MIN_CREDENTIAL_SECONDS = 60;
export const MAX_CREDENTIAL_SECONDS = 365 * 24 * 60 * 60;

export interface CreatedCredential {
  stream: StreamRecord;
  /** The only time the secret is shown; only its hash is stored. `expiresAt` for a temporary one. */
  credentials: { clientId: string; clientSecret: string; expiresAt?: string };
}

/**
 * `POST /v1/streams/{name}/credentials` (body optional: `{"expiresInSeconds": n}` for a temporary one,
 * such as the console's test producer makes, refused everywhere from then on): one more client id and
 * secret for a stream of the caller's account. Expired credentials of the stream are removed first; a
 * stream with MAX_CREDENTIALS_PER_STREAM live ones is a 409 `too_many_credentials`.
 */
export async function createCredential(
  ports: CredentialPorts,
  accountId: string,
  name: string,
  body: unknown = {},
): Promise<CreatedCredential> {
  const { expiresInSeconds } = parseCredentialRequest(body);
  const stream = await ownStream(ports.streams, accountId, name);
  await removeExpired(ports, stream);
  const { clientId, clientSecret } = generateClientCredentials();
  const nowMs = ports.now();
  const credential = {
    clientId,
    secretHash: hashClientSecret(clientSecret),
    createdAt: new Date(nowMs).toISOString(),
    ...(expiresInSeconds === undefined
      ? {}
      : { expiresAt: new Date(nowMs + expiresInSeconds * 1000).toISOString() }),
  };
  const updated = await ports.streams.addCredential(accountId, stream.name, credential, {
    maxCredentials: MAX_CREDENTIALS_PER_STREAM,
  });
  if (!updated) throw await whyNotAdded(ports, accountId, stream.name);
  const expiresAt = credential.expiresAt === undefined ? {} : { expiresAt: credential.expiresAt };
  ports.audit.info('credential created', { accountId, stream: stream.name, clientId, ...expiresAt });
  return { stream: updated, credentials: { clientId, clientSecret, ...expiresAt } };
}

/** `{}` or `{"expiresInSeconds": <whole seconds>}`; anything else is a 400 naming the field. */
function parseCredentialRequest(body: unknown): { expiresInSeconds?: number } {
  const wrong = () =>
    new ValidationError(
      `the body may only hold expiresInSeconds, a whole number of seconds from ${MIN_CREDENTIAL_SECONDS} to ${MAX_CREDENTIAL_SECONDS}`,
    );
  if (!isJsonObject(body)) throw wrong();
  if (Object.keys(body).some((field) => field !== 'expiresInSeconds')) throw wrong();
  const seconds = body.expiresInSeconds;
  if (seconds === undefined) return {};
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < MIN_CREDENTIAL_SECONDS ||
    seconds > MAX_CREDENTIAL_SECONDS
  ) {
    throw wrong();
  }
  return { expiresInSeconds: seconds };
}

/** Expired credentials are refused everywhere already; this takes them off the list (and the cap). */
async function removeExpired(ports: CredentialPorts, stream: StreamRecord): Promise<void> {
  const nowMs = ports.now();
  for (const credential of stream.credentials ?? []) {
    if (!isCredentialExpired(credential, nowMs)) continue;
    await ports.streams.removeCredential(stream.accountId, stream.name, credential.clientId);
    await endConnections(ports, stream.accountId, stream.name, credential.clientId);
  }
}

/** A refused add: the stream went away meanwhile (404), or it is full (409). */
async function whyNotAdded(ports: CredentialPorts, accountId: string, name: string): Promise<Error> {
  if (!(await ports.streams.get(accountId, name))) return new NotFoundError(`stream ${name} not found`);
  return new ConflictError(
    `stream ${name} has ${MAX_CREDENTIALS_PER_STREAM} credentials, the most a stream may have; delete one first`,
    'too_many_credentials',
  );
}

/**
 * `DELETE /v1/streams/{name}/credentials/{clientId}`: the credential stops working (the stream no longer
 * accepts its client: the token endpoint and the authorizer refuse it at once; egress and ingest trust a
 * cached stream record for up to 5 s, egress only for deliveries it allows) and its WebSocket subscribers
 * are ended at once, here. The last credential may
 * go too. A client id the stream does not have is a 404.
 */
export async function deleteCredential(
  ports: CredentialPorts,
  accountId: string,
  name: string,
  clientId: string,
): Promise<void> {
  const stream = await ownStream(ports.streams, accountId, name);
  const notFound = () => new NotFoundError(`stream ${name} has no credential ${clientId}`);
  const listed = (stream.credentials ?? []).some((credential) => credential.clientId === clientId);
  if (!listed) throw notFound();
  if (!(await ports.streams.removeCredential(accountId, stream.name, clientId))) throw notFound();
  const ended = await endConnections(ports, accountId, stream.name, clientId);
  ports.audit.info('credential deleted', {
    accountId,
    stream: stream.name,
    clientId,
    connectionsEnded: ended,
  });
}
