'use strict';
// Loaded by path (runtime/payload-codec.ts FAILURE_CONVERTER_PATH): the SDK require()s it in the worker and the client
// and bundles it into the workflow sandbox, hence CommonJS. With encodeCommonAttributes a failure's message and stack
// trace travel as an encoded payload, which the payload codec encrypts; readers decode them back transparently.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
