import * as fs from 'node:fs';
import * as path from 'node:path';
import { contextFromCdkOutputs } from '../../../cli/commands/context';
import { readConfigFile } from '../../../cli/config';
import { runStrm, tempConfigDir } from './run-cli';

/** What `cdk deploy --outputs-file cdk-outputs.json` writes for the stack. */
const sampleOutputs = {
  PrivacyStreams: {
    HttpApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/',
    WebSocketUrl: 'wss://def456.execute-api.eu-west-1.amazonaws.com/prod',
    BootstrapSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bootstrap-AbCdEf',
    Region: 'eu-west-1',
  },
};

describe('context from cdk outputs', () => {
  it('takes the URLs, region and bootstrap secret ARN of the only stack', () => {
    expect(contextFromCdkOutputs(sampleOutputs)).toEqual({
      stack: 'PrivacyStreams',
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      wsUrl: 'wss://def456.execute-api.eu-west-1.amazonaws.com/prod',
      bootstrapSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bootstrap-AbCdEf',
      region: 'eu-west-1',
    });
  });

  it('finds outputs whose ids carry a CDK hash suffix', () => {
    const config = contextFromCdkOutputs({
      S: { ApiHttpApiUrl0A1B2C3D: 'https://x.example.com', HttpApiUrl: undefined },
    });
    expect(config.apiUrl).toBe('https://x.example.com');
  });

  it('needs --stack when several stacks have an API', () => {
    const two = { A: { HttpApiUrl: 'https://a.example.com' }, B: { HttpApiUrl: 'https://b.example.com' } };
    expect(() => contextFromCdkOutputs(two)).toThrow(/pick one with --stack \(A, B\)/);
    expect(contextFromCdkOutputs(two, 'B').apiUrl).toBe('https://b.example.com');
  });

  it('rejects a file without an HttpApiUrl output', () => {
    expect(() => contextFromCdkOutputs({ A: { Other: 'x' } })).toThrow(/No stack .* HttpApiUrl/);
  });
});

describe('strm context import and show', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempConfigDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves the stack URLs as a context in config.json, current, so later commands use them', async () => {
    const outputsFile = path.join(dir, 'cdk-outputs.json');
    fs.writeFileSync(outputsFile, JSON.stringify(sampleOutputs));
    const env = { STRM_CONFIG_PATH: dir };
    const imported = await runStrm(['context', 'import', '--outputs-file', outputsFile], { env });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('aws secretsmanager get-secret-value');
    expect(readConfigFile(dir)).toMatchObject({
      currentContext: 'PrivacyStreams',
      contexts: { PrivacyStreams: { apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com' } },
    });
    const shown = await runStrm(['context', 'show', '-o', 'json'], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({
      apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      apiUrlSource: 'config file',
      wsUrl: 'wss://def456.execute-api.eu-west-1.amazonaws.com/prod',
      wsUrlSource: 'config file',
    });
  });

  it('exits 1 when the outputs file is missing', async () => {
    const result = await runStrm(['context', 'import', '--outputs-file', path.join(dir, 'none.json')], {
      env: { STRM_CONFIG_PATH: dir },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: Cannot read .*none.json/);
  });
});
