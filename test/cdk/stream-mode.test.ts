import type { Template } from 'aws-cdk-lib/assertions';
import { TOPOLOGY } from '../../lib/topology';
import { type Resource, resourcesOf, synthPrivacyStreams } from './synth-stack';

const streams = (template: Template): Resource[] =>
  Object.values(resourcesOf(template, 'AWS::Kinesis::Stream'));
const STREAM_COUNT = Object.keys(TOPOLOGY.eventStreams).length;

describe('Kinesis capacity mode', () => {
  it('is on-demand by default, with no shard count', () => {
    // Act
    const all = streams(synthPrivacyStreams({ bundle: false }).template);

    // Assess
    expect(all).toHaveLength(STREAM_COUNT);
    for (const stream of all) {
      expect(stream.Properties.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
      expect(stream.Properties).not.toHaveProperty('ShardCount');
    }
  });

  it('-c streamMode=provisioned makes every stream provisioned with one shard', () => {
    // Act
    const all = streams(
      synthPrivacyStreams({ bundle: false, context: { streamMode: 'provisioned' } }).template,
    );

    // Assess
    expect(all).toHaveLength(STREAM_COUNT);
    for (const stream of all) {
      expect(stream.Properties).toMatchObject({
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ShardCount: 1,
      });
    }
  });

  it('-c shardCount=N gives provisioned streams N shards each, keeping their encryption and retention', () => {
    // Prepare
    const context = { streamMode: 'provisioned', shardCount: '3' };

    // Act
    const all = streams(synthPrivacyStreams({ bundle: false, context }).template);

    // Assess
    expect(all.map((s) => s.Properties.ShardCount)).toEqual(Array(STREAM_COUNT).fill(3));
    expect(all.map((s) => s.Properties.RetentionPeriodHours).sort()).toEqual([168, 24]);
    for (const stream of all) expect(stream.Properties.StreamEncryption.EncryptionType).toBe('KMS');
  });
});
