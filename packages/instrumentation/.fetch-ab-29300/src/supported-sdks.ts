// The SDKs tokenmeter covers and the versions it patches: the one list that the patches take their
// version ranges from and that `tokenmeter doctor` checks an app's installed SDKs against.

export interface SupportedSdk {
  /** The npm package. */
  readonly name: string;
  /** Lowest supported version. */
  readonly min: string;
  /** First version not supported (its pre-releases are not either). */
  readonly below: string;
  /** How its calls are recorded. */
  readonly how: string;
}

export const OPENAI_SDK: SupportedSdk = {
  name: 'openai',
  min: '4.0.0',
  below: '8.0.0',
  how: 'client patch + fetch',
};
export const ANTHROPIC_SDK: SupportedSdk = {
  name: '@anthropic-ai/sdk',
  min: '0.20.0',
  below: '2.0.0',
  how: 'client patch + fetch',
};
export const GOOGLE_GENAI_SDK: SupportedSdk = {
  name: '@google/genai',
  min: '1.0.0',
  below: '4.0.0',
  how: 'client patch + fetch',
};
export const BEDROCK_SDK: SupportedSdk = {
  name: '@aws-sdk/client-bedrock-runtime',
  min: '3.0.0',
  below: '4.0.0',
  how: 'send-layer patch',
};

/** Every SDK covered: the patched ones, and those recorded through fetch or the openai client. */
export const SUPPORTED_SDKS: readonly SupportedSdk[] = [
  OPENAI_SDK,
  ANTHROPIC_SDK,
  GOOGLE_GENAI_SDK,
  BEDROCK_SDK,
  { name: 'ai', min: '4.0.0', below: '8.0.0', how: 'global fetch' },
  { name: '@langchain/openai', min: '0.3.0', below: '2.0.0', how: 'its openai client' },
];

/**
 * The semver range of an SDK: `>=min <below-0`, so `below`'s own pre-releases are outside it as
 * well (the same set as `<8` for below 8.0.0, with pre-releases included in the match).
 */
export function versionRange(sdk: SupportedSdk): string {
  return `>=${sdk.min} <${sdk.below}-0`;
}
