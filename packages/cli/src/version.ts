/** Version of @tokenmeter/cli (kept equal to package.json by the release script). */
export const VERSION = '0.1.0';
