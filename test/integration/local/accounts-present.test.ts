import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { hasAccounts } from '../../../local/accounts-present';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';

describe('hasAccounts (the start banner: sign up or log in)', () => {
  let emu: TestEmulators;
  beforeAll(async () => {
    emu = await startTestEmulators({ setEnv: false });
  });
  afterAll(() => emu.stop());

  it('is false for an empty accounts table, also with other items in it', async () => {
    // Prepare
    const table = await emu.createEmptyTableLike('accounts');
    await emu.doc.send(new PutCommand({ TableName: table, Item: { pk: 'throttle#x', sk: 'login' } }));
    // Act
    const present = await hasAccounts({ ...emu.env, ACCOUNTS_TABLE: table });
    // Assess
    expect(present).toBe(false);
  });

  it('is true once an account item exists', async () => {
    // Prepare
    const table = await emu.createEmptyTableLike('accounts');
    await emu.doc.send(
      new PutCommand({ TableName: table, Item: { pk: 'email#a@example.com', sk: 'account' } }),
    );
    // Act
    const present = await hasAccounts({ ...emu.env, ACCOUNTS_TABLE: table });
    // Assess
    expect(present).toBe(true);
  });
});
