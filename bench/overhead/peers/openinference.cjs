// Peer setup for the overhead benchmark: @arizeai/openinference-instrumentation-openai as its README
// says.
'use strict';
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');

require('./tracer-provider.cjs').setUp(new OpenAIInstrumentation());
