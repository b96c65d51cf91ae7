import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { mockClient } from 'aws-sdk-client-mock';
import { ConnectionPoster } from '../../../lambdas/aws/connection-poster';

const apiMock = mockClient(ApiGatewayManagementApiClient);

beforeEach(() => apiMock.reset());

function poster() {
  return new ConnectionPoster({
    client: new ApiGatewayManagementApiClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' }),
  });
}

describe('ConnectionPoster', () => {
  it('posts the frame as UTF-8 bytes to the connection', async () => {
    apiMock.on(PostToConnectionCommand).resolves({});
    expect(await poster().post('abc=', '{"n":"é"}')).toBe('ok');
    const [call] = apiMock.commandCalls(PostToConnectionCommand);
    expect(call!.args[0].input.ConnectionId).toBe('abc=');
    expect(Buffer.from(call!.args[0].input.Data as Uint8Array).toString('utf8')).toBe('{"n":"é"}');
  });

  it("answers 'gone' for a GoneException", async () => {
    apiMock.on(PostToConnectionCommand).rejects(new GoneException({ message: 'gone', $metadata: {} }));
    expect(await poster().post('abc', 'x')).toBe('gone');
  });

  it('recognises GoneException by name, whichever copy of the SDK made it', async () => {
    apiMock.on(PostToConnectionCommand).rejects(Object.assign(new Error('gone'), { name: 'GoneException' }));
    expect(await poster().post('abc', 'x')).toBe('gone');
  });

  it('rethrows other errors', async () => {
    apiMock.on(PostToConnectionCommand).rejects(new ForbiddenException({ message: 'no', $metadata: {} }));
    await expect(poster().post('abc', 'x')).rejects.toThrow('no');
  });

  it("answers 'throttled' for a LimitExceededException (rate, or the subscriber's buffer is full)", async () => {
    apiMock
      .on(PostToConnectionCommand)
      .rejects(new LimitExceededException({ message: 'slow down', $metadata: {} }));
    expect(await poster().post('abc', 'x')).toBe('throttled');
  });

  it("answers 'throttled' for a 429 of the account throttle", async () => {
    apiMock
      .on(PostToConnectionCommand)
      .rejects(Object.assign(new Error('too many'), { name: 'Unknown', $metadata: { httpStatusCode: 429 } }));
    expect(await poster().post('abc', 'x')).toBe('throttled');
  });
});
