import {
  AssetHashType,
  type CfnElement,
  DockerImage,
  Duration,
  NestedStack,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import { buildConsoleSync } from '../console/build';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../console/security-headers';
import { findProjectRoot } from './project-root';

/**
 * The web console on AWS, in a nested stack of its own (a bucket, the CDK's asset-deployment function and
 * a CloudFront distribution: none of it is part of the data path, so the main template keeps exactly the
 * topology's functions). One distribution is the console's single origin:
 *
 * - `/console/*` → the private S3 bucket through origin access control (no public bucket, no website
 *   endpoint), with the console's security headers (CSP without unsafe-inline/unsafe-eval, HSTS);
 * - `/ws` → the WebSocket API (the path becomes the stage), so the console subscribes on its own origin;
 * - everything else → the HTTP API (ingest, token, /v1 management), uncached, all headers but Host.
 *
 * So the console needs no CORS, and its CSP can say `connect-src 'self'`. CloudFront access logs stay
 * off: their lines hold the query string, where a browser's WebSocket carries its read token (the API
 * Gateway access log format has no query string).
 */
export interface ConsoleHostingProps {
  httpApiId: string;
  webSocketApiId: string;
  webSocketStage: string;
  /** Record the deliberate cdk-nag findings as acknowledged (default true; tests turn it off). */
  acknowledgeNagFindings?: boolean;
}

/** The viewer-request function of `/console*`: `/console` → `/console/`, `/console/` → its index.html. */
const CONSOLE_PATHS_FUNCTION = `function handler(event) {
  var request = event.request;
  if (request.uri === '${CONSOLE_PATH.slice(0, -1)}') {
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: '${CONSOLE_PATH}' } } };
  }
  if (request.uri === '${CONSOLE_PATH}') request.uri = '${CONSOLE_PATH}index.html';
  return request;
}`;

/** The viewer-request function of `/ws`: the WebSocket API answers on its stage's path only. */
const webSocketPathFunction = (stage: string) => `function handler(event) {
  event.request.uri = '/${stage}';
  return event.request;
}`;

export class ConsoleHosting extends NestedStack {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id, { description: 'Privacy Streams web console: S3 + CloudFront in front of the APIs' });
    this.bucket = new s3.Bucket(this, 'ConsoleAssets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Only built files live here (the deployment below empties it on delete).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.distribution = this.createDistribution(props);
    new s3deploy.BucketDeployment(this, 'ConsoleFiles', {
      sources: [consoleAsset()],
      destinationBucket: this.bucket,
      destinationKeyPrefix: CONSOLE_PATH.slice(1),
      cacheControl: [s3deploy.CacheControl.noCache()],
      retainOnDelete: false,
      memoryLimit: 256,
    });
    if (props.acknowledgeNagFindings !== false)
      acknowledgeConsoleNagFindings(this, this.bucket, this.distribution);
  }

  private createDistribution(props: ConsoleHostingProps): cloudfront.Distribution {
    const { region, urlSuffix } = Stack.of(this);
    const apiOrigin = (apiId: string) =>
      new origins.HttpOrigin(`${apiId}.execute-api.${region}.${urlSuffix}`, {
        protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      });
    // Uncached, every viewer header (Authorization too: CloudFront forwards it when caching is off) but Host.
    const passThrough = {
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
    };
    const viewerRequest = (name: string, code: string): cloudfront.FunctionAssociation[] => [
      {
        eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
        function: new cloudfront.Function(this, name, {
          code: cloudfront.FunctionCode.fromInline(code),
          runtime: cloudfront.FunctionRuntime.JS_2_0,
        }),
      },
    ];
    return new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Privacy Streams: web console, HTTP API and WebSocket API on one origin',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: apiOrigin(props.httpApiId),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        ...passThrough,
      },
      additionalBehaviors: {
        'console*': {
          origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          responseHeadersPolicy: consoleHeadersPolicy(this),
          functionAssociations: viewerRequest('ConsolePaths', CONSOLE_PATHS_FUNCTION),
        },
        ws: {
          origin: apiOrigin(props.webSocketApiId),
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
          ...passThrough,
          functionAssociations: viewerRequest('WebSocketPath', webSocketPathFunction(props.webSocketStage)),
        },
      },
    });
  }
}

/** console/ built by the project's esbuild during synth (never in Docker), hashed by what it built. */
function consoleAsset(): s3deploy.ISource {
  return s3deploy.Source.asset(`${findProjectRoot(__dirname)}/console`, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('unused-local-bundling-only'),
      local: {
        tryBundle(outputDir: string) {
          buildConsoleSync(outputDir);
          return true;
        },
      },
    },
  });
}

/** The headers the local gateway sends too (console/security-headers.ts), plus HSTS on HTTPS. */
function consoleHeadersPolicy(scope: Construct): cloudfront.ResponseHeadersPolicy {
  const h = CONSOLE_SECURITY_HEADERS;
  return new cloudfront.ResponseHeadersPolicy(scope, 'ConsoleHeaders', {
    comment: 'Privacy Streams console: strict CSP and security headers',
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: h['content-security-policy']!, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: true,
        override: true,
      },
    },
    customHeadersBehavior: {
      customHeaders: [
        { header: 'Cross-Origin-Opener-Policy', value: h['cross-origin-opener-policy']!, override: true },
      ],
    },
  });
}

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** cdk-nag findings of the console hosting that are deliberate, each with its reason. */
function acknowledgeConsoleNagFindings(stack: Stack, bucket: IConstruct, distribution: IConstruct): void {
  ack(
    bucket,
    'AwsSolutions-S1',
    'The bucket holds only the built console files (public content, no data); it is private and read only by CloudFront through origin access control, so server access logs would record nothing of interest.',
  );
  ack(
    distribution,
    'AwsSolutions-CFR1',
    'The console is for the deploying organisation and its users wherever they are; access is controlled by sign-in, not by geography.',
  );
  ack(
    distribution,
    'AwsSolutions-CFR2',
    'No WAF web ACL by default (it costs per month and per request); the APIs behind it throttle per stage and authenticate every call. Attach one to the distribution when needed.',
  );
  ack(
    distribution,
    'AwsSolutions-CFR3',
    'Access logging stays off on purpose: CloudFront log lines contain the query string, where the console passes its short-lived read token to the WebSocket (browsers cannot set headers); API Gateway access logs (no query strings) record the API calls.',
  );
  ack(
    distribution,
    'AwsSolutions-CFR4',
    'The distribution uses the default *.cloudfront.net certificate, with which CloudFront cannot enforce a minimum TLS version; attach a custom domain and certificate (TLSv1.2_2021) for production use.',
  );
  // The CDK's BucketDeployment function (a singleton of this nested stack) and its role.
  const deployer = stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  const wildcards = [
    'Action::s3:GetObject*',
    'Action::s3:GetBucket*',
    'Action::s3:List*',
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/*`,
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  ];
  for (const fn of deployer) {
    ack(
      fn,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The CDK BucketDeployment function writes only its own logs, with the AWS managed basic execution policy; it runs at deploy time only.',
    );
    const runtime =
      'The CDK BucketDeployment function runtime is chosen by aws-cdk-lib and moves forward with it; it runs at deploy time only.';
    ack(fn, 'AwsSolutions-L1', runtime);
    ack(fn, 'Serverless-LambdaLatestVersion', runtime);
    ack(
      fn,
      'Serverless-LambdaDLQ',
      'Invoked synchronously by CloudFormation as a custom resource: a failure fails the deployment, which is the signal wanted.',
    );
    ack(
      fn,
      'Serverless-LambdaTracing',
      'A deploy-time copy of the static console files into S3; tracing it would add cost and nothing to learn.',
    );
    for (const finding of wildcards) {
      ack(
        fn,
        `AwsSolutions-IAM5[${finding}]`,
        'Granted by the CDK BucketDeployment: read of its own asset objects, write of the console bucket (object wildcards within those two buckets only); it runs at deploy time only.',
      );
    }
  }
}
