/**
 * Jest maps `uuid` here (jest.config.ts): parquetjs loads thrift, which requires the ESM-only `uuid` that jest
 * cannot load. Parquet never encodes a UUID field, so thrift's two helpers suffice; the services load the real
 * module under Node.
 */
export const parse = (text: string) => Uint8Array.from(Buffer.from(text.replace(/-/g, ''), 'hex'));
export const stringify = (bytes: Uint8Array) =>
  Buffer.from(bytes)
    .toString('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
