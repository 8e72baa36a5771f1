/** A media type and its parameters (`charset` lower-cased), as RFC 9110 writes them. */
export function parseMediaType(header: string): { type: string; params: Record<string, string> } {
  const [type = '', ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (name !== '' && !Object.hasOwn(params, name)) params[name] = value;
  }
  return { type: type.trim().toLowerCase(), params };
}
