import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STAGING_PREFIX } from '../lambdas/core/export-files';
import { constructId } from './construct-ids';
import type { PrivacyStreamsConfig } from './stack-config';
import { TOPOLOGY } from './topology';
import type { BucketName } from './topology-types';

export interface ExportBucketsProps {
  readonly key: kms.IKey;
  readonly config: PrivacyStreamsConfig;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The topology's buckets: KMS-encrypted with the project key (S3 bucket keys: one KMS call per bucket key,
 * not per object), public access blocked, TLS only, owner-enforced objects, access logged, retained like the
 * tables. Lifecycle: staged parts of files that were never written expire after a week, incomplete uploads
 * after a day, exported files after `exportExpirationDays` when the deployer sets it. The deployer's own
 * buckets (context exportBuckets) are only referenced: exporters may write to them, nothing more.
 */
export class ExportBuckets extends Construct {
  readonly byName: Readonly<Record<BucketName, s3.Bucket>>;
  readonly accessLogs: s3.Bucket;
  readonly granted: readonly s3.IBucket[];

  constructor(scope: Construct, id: string, props: ExportBucketsProps) {
    super(scope, id);
    // Log delivery through a bucket policy (logging.s3.amazonaws.com), not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const { config } = props;
    // Server access logs cannot be delivered to a bucket encrypted with a customer-managed key.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      lifecycleRules: [{ id: 'access-logs', expiration: Duration.days(365) }],
      removalPolicy: props.removalPolicy,
    });
    const byName = {} as Record<BucketName, s3.Bucket>;
    for (const name of Object.keys(TOPOLOGY.buckets) as BucketName[]) {
      byName[name] = new s3.Bucket(this, constructId(name), {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${TOPOLOGY.buckets[name].name}/`,
        lifecycleRules: [
          { id: 'staged-parts', prefix: STAGING_PREFIX, expiration: Duration.days(7) },
          { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
          ...(config.exportExpirationDays > 0
            ? [{ id: 'exported-files', expiration: Duration.days(config.exportExpirationDays) }]
            : []),
        ],
        removalPolicy: props.removalPolicy,
      });
    }
    this.byName = byName;
    this.granted = config.exportBuckets.map((bucketName, i) =>
      s3.Bucket.fromBucketName(this, `Granted${i}`, bucketName),
    );
  }
}
