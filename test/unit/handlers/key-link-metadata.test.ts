import type { KeyLinkRecord } from '../../../lambdas/core/key-links';
import { testScope } from '../../support/key-link-scopes';
import { MANAGEMENT_NOW, managementApi, managementRequest, responseBody } from '../../support/management-api';

/** `GET /v1/key-links/{id}/metadata`: a key link's dates for the console, never its key. */

type Api = ReturnType<typeof managementApi>;

async function storedKeyLink(api: Api, keyLinkId: string, accountId: string): Promise<KeyLinkRecord> {
  const record: KeyLinkRecord = {
    keyLinkId,
    scope: testScope(accountId),
    keyHash: `hash-of-${keyLinkId}`,
    keyId: 1,
    wrappedKey: new Uint8Array(60),
    kekId: 'kek-unused',
    createdAt: MANAGEMENT_NOW,
    expiresAt: MANAGEMENT_NOW + 24 * 3_600_000,
  };
  await api.keyLinks.createIfAbsent(record, MANAGEMENT_NOW);
  return record;
}

async function metadata(api: Api, keyLinkId: string, accountId: string) {
  const token = await api.userToken(accountId);
  return api.handler(
    managementRequest({ method: 'GET', path: `/v1/key-links/${keyLinkId}/metadata`, token }),
  );
}

describe('GET /v1/key-links/{id}/metadata', () => {
  it('answers created and expiry of an own key link', async () => {
    // Prepare
    const api = managementApi();
    await storedKeyLink(api, 'link-1', 'account-1');
    // Act
    const response = await metadata(api, 'link-1', 'account-1');
    // Assess
    expect(response.statusCode).toBe(200);
    expect(responseBody(response)).toEqual({
      keyLinkId: 'link-1',
      createdAt: '2025-01-01T12:00:00.000Z',
      expiresAt: '2025-01-02T12:00:00.000Z',
    });
  });

  it('neither opens the key nor counts as an export (the stored key need not even open)', async () => {
    // Prepare
    const api = managementApi();
    await storedKeyLink(api, 'link-1', 'account-1');
    // Act
    const response = await metadata(api, 'link-1', 'account-1');
    // Assess
    expect(responseBody(response)).not.toHaveProperty('keyset');
    expect(api.log.attributesOf('key link exported')).toEqual([]);
  });

  it('answers 404 for another account key link, as for a missing one', async () => {
    // Prepare
    const api = managementApi();
    await storedKeyLink(api, 'link-1', 'account-1');
    // Act
    const other = await metadata(api, 'link-1', 'account-2');
    const missing = await metadata(api, 'link-2', 'account-1');
    // Assess
    expect(other.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(responseBody(other)).toEqual(responseBody(missing));
  });
});
