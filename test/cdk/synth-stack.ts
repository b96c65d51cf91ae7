import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addPrivacyStreams } from '../../lib/privacy-streams-app';
import type { PrivacyStreamsStack } from '../../lib/privacy-streams-stack';
import { FUNCTION_NAMES } from '../../lib/topology';

export interface SynthesizedStack {
  app: App;
  stack: PrivacyStreamsStack;
  template: Template;
}

/**
 * Builds the app exactly as bin/app.ts does (stack + cdk-nag packs) with the given context values.
 * `bundle: false` skips esbuild (the entry files must still exist) for tests that only read IAM or nag;
 * `outdir` is where the cloud assembly goes (a temporary directory if not given).
 */
export function synthPrivacyStreams(
  opts: { bundle?: boolean; context?: Record<string, unknown>; outdir?: string } = {},
): SynthesizedStack {
  const context: Record<string, unknown> = { ...opts.context };
  if (opts.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context, outdir: opts.outdir });
  const stack = addPrivacyStreams(app);
  return { app, stack, template: Template.fromStack(stack) };
}

/** Logical ids of the resources of one type whose id starts with `prefix` (CDK ids are path-derived). */
export function logicalIdsOf(template: Template, type: string, prefix = ''): string[] {
  return Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
}

/** The stack's Lambda functions: the topology's, named like their handler modules in lambdas/handlers/. */
export const HANDLERS: readonly string[] = FUNCTION_NAMES;

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation properties are untyped JSON
export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };

/** The template's resources of one type, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** The FunctionName of the Lambda a route's integration invokes (Target → Integration → IntegrationUri). */
export function routeTargetOf(template: Template, routeKey: string): string {
  const route = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).find(
    (r) => r.Properties.RouteKey === routeKey,
  );
  if (!route) throw new Error(`no route ${routeKey}`);
  const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
  const uri = resourcesOf(template, 'AWS::ApiGatewayV2::Integration')[integrationId].Properties
    .IntegrationUri;
  const fnId: string = JSON.stringify(uri).match(/"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/)![1];
  return resourcesOf(template, 'AWS::Lambda::Function')[fnId].Properties.FunctionName;
}
