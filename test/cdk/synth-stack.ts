import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addPrivacyStreams } from '../../lib/privacy-streams-app';
import type { PrivacyStreamsStack } from '../../lib/privacy-streams-stack';

export interface SynthesizedStack {
  app: App;
  stack: PrivacyStreamsStack;
  template: Template;
}

/**
 * Builds the app exactly as bin/app.ts does (stack + cdk-nag packs) with the given context values.
 * `bundle: false` skips esbuild (the entry files must still exist) for tests that only read IAM or nag.
 */
export function synthPrivacyStreams(
  opts: { bundle?: boolean; context?: Record<string, unknown> } = {},
): SynthesizedStack {
  const context: Record<string, unknown> = { ...opts.context };
  if (opts.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const stack = addPrivacyStreams(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Logical ids of the resources of one type whose id starts with `prefix` (CDK ids are path-derived). */
export function logicalIdsOf(template: Template, type: string, prefix = ''): string[] {
  return Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
}

/** The stack's Lambda functions, named like their handler modules in lambdas/handlers/. */
export const HANDLERS = [
  'ingest',
  'token',
  'management',
  'health',
  'decrypter',
  'egress',
  'ws-authorizer',
  'ws-connect',
];
