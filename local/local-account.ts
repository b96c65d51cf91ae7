/**
 * The local stack's AWS identity: region, account id (in ARNs) and static credentials. The emulators
 * accept any credentials; these are not secrets. Kept free of imports so every worker thread loads it cheaply.
 */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' } as const;
