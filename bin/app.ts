#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { addPrivacyStreams } from '../lib/privacy-streams-app';

// Environment-agnostic: `cdk deploy` targets the account and region of the caller's AWS credentials.
addPrivacyStreams(new App());
