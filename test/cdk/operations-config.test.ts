import { configFromContext } from '../../lib/stack-config';

const fromContext = (values: Record<string, unknown>) => configFromContext((key) => values[key]);

describe('operations settings from CDK context', () => {
  it('default to tracing off, on-demand streams and no alarm e-mail', () => {
    // Act
    const config = fromContext({});

    // Assess
    expect(config).toMatchObject({ tracing: 'off', streamMode: 'on-demand', shardCount: 1 });
    expect(config.alarmEmail).toBeUndefined();
  });

  it('read -c tracing=active, streamMode=provisioned, shardCount=2 and alarmEmail', () => {
    // Prepare
    const context = {
      tracing: 'active',
      streamMode: 'provisioned',
      shardCount: '2',
      alarmEmail: 'ops@example.com',
    };

    // Act
    const config = fromContext(context);

    // Assess
    expect(config).toMatchObject({
      tracing: 'active',
      streamMode: 'provisioned',
      shardCount: 2,
      alarmEmail: 'ops@example.com',
    });
  });

  it.each([
    ['tracing', 'sampled', /tracing must be 'off' or 'active'/],
    ['streamMode', 'PROVISIONED', /streamMode must be 'on-demand' or 'provisioned'/],
    ['alarmEmail', 'ops', /alarmEmail must be an e-mail address/],
  ])('rejects %s=%s naming the key', (key, value, message) => {
    // Act
    const read = () => fromContext({ [key]: value });

    // Assess
    expect(read).toThrow(message);
  });

  it.each(['0', '501', 'two'])('rejects shardCount=%s', (shardCount) => {
    // Act
    const read = () => fromContext({ streamMode: 'provisioned', shardCount });

    // Assess
    expect(read).toThrow(/shardCount must be an integer from 1 to 500/);
  });

  it('rejects a shard count for on-demand streams, which have none to set', () => {
    // Act
    const read = () => fromContext({ shardCount: '2' });

    // Assess
    expect(read).toThrow(/shardCount applies only with streamMode=provisioned/);
  });
});
