/** What a WebSocket REQUEST authorizer returns to allow a connection to stream `demo` of account `acc-1`. */
export function allowPolicy(event: unknown) {
  return {
    principalId: 'client-1',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: 'Allow',
          Resource: (event as { methodArn: string }).methodArn,
        },
      ],
    },
    context: { accountId: 'acc-1', stream: 'demo', clientId: 'client-1' },
  };
}
