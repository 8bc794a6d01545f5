/**
 * The API token as the API takes it. Users paste the whole header value from the help article
 * ("Bearer eyJ…"); the token is what follows. Config validation removes the prefix with a warning
 * (source/config.ts), and the client removes it again from a config that was never validated.
 */
export function withoutBearer(token: string): string {
  return token.replace(/^\s*bearer\s+/i, "");
}
