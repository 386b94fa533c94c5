/** Version of @tokenmeter/alerts (kept equal to package.json by the release script); sent as User-Agent. */
export const VERSION = '0.1.0';
