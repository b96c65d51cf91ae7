import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PrivacyStreamsStack } from './privacy-streams-stack';
import { configFromContext } from './stack-config';

/**
 * Adds the Privacy Streams stack (named after the `prefix` context value) to `app`, with the cdk-nag
 * AwsSolutions and Serverless packs as synth-time policy validation. Shared by bin/app.ts and the tests.
 */
export function addPrivacyStreams(app: App): PrivacyStreamsStack {
  const config = configFromContext((key) => app.node.tryGetContext(key));
  const stack = new PrivacyStreamsStack(app, config.prefix, {
    config,
    description:
      'Privacy Streams: privacy-by-design event streaming (HTTP ingest, Kinesis, WebSocket egress)',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return stack;
}
