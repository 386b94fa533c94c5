// Peer setup for the overhead benchmark: @traceloop/instrumentation-openai as its README says.
'use strict';
const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');

require('./tracer-provider.cjs').setUp(new OpenAIInstrumentation());
