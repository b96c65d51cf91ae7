import { randomBytes } from 'node:crypto';

/**
 * The local stack's AWS identity: region, account id (in ARNs), and the credentials its emulators accept.
 * Those are generated at every start and handed only to the stack's own functions (their worker
 * environment) and its own clients: the emulators refuse any request not signed with them. Kept almost
 * free of imports so every worker thread loads it cheaply.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const KEY_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Fresh credentials in the shape of an IAM access key (`AKIA` + 16, secret of 40 characters). */
export function newLocalCredentials(): LocalCredentials {
  const id = [...randomBytes(16)].map((b) => KEY_ID_ALPHABET[b % KEY_ID_ALPHABET.length]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}
