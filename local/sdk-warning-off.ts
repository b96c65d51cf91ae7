// Imported first by the entry point: the AWS SDK reads this when it loads, before the stack can set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
