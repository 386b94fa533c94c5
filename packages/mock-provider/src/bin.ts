#!/usr/bin/env node
// tokenmeter-mock-provider [--port N] [--host H] [--latency-ms N]: runs the mock until interrupted.
import { startMockProvider } from './server.js';

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1];
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(
      'Usage: tokenmeter-mock-provider [--port N] [--host 127.0.0.1] [--latency-ms N]\n' +
        'Serves the OpenAI, Azure OpenAI, Anthropic, Gemini and Bedrock wire formats with deterministic usage.\n',
    );
    return;
  }
  // PORT: the usual convention of a dev server; the mock is a test tool, not in the env table.
  const port = Number(arg('port') ?? process.env.PORT ?? 0);
  const latencyMs = Number(arg('latency-ms') ?? 0);
  const mock = await startMockProvider({ port, host: arg('host') ?? '127.0.0.1', latencyMs });
  process.stdout.write(
    `tokenmeter mock provider listening on ${mock.url}\n` +
      `  OpenAI baseURL:       ${mock.openaiBaseURL}\n` +
      `  Anthropic baseURL:    ${mock.anthropicBaseURL}\n` +
      `  Gemini baseUrl:       ${mock.geminiBaseURL}\n` +
      `  Bedrock endpoint:     ${mock.bedrockEndpoint}\n` +
      `  Azure OpenAI endpoint: ${mock.azureEndpoint}\n`,
  );
  const stop = () => {
    mock.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`tokenmeter-mock-provider: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
