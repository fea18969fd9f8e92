/**
 * The write key of a Segment request (here: the app's tracking key). Segment's HTTP API takes it as HTTP Basic
 * auth, the key as the user name and no password (`Authorization: Basic base64("<key>:")`; a key encoded
 * without the colon is accepted too, as Segment still accepts it), or as `writeKey` in the JSON body (of a
 * single call or of a batch). The header wins when it names a key; any other Authorization (an OAuth Bearer
 * token, which Segment pairs with a writeKey in the body) leaves the body's. Undefined when there is none.
 */
export function writeKeyOf(authorization: string | undefined, body: unknown): string | undefined {
  const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    if (user.trim().length > 0) return user;
  }
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const writeKey = (body as Record<string, unknown>).writeKey;
    if (typeof writeKey === 'string' && writeKey.trim().length > 0) return writeKey;
  }
  return undefined;
}
