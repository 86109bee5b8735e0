/**
 * The data converter that the client and the worker share: the default converter with the encryption codec.
 * The key comes from ENCRYPTION_KEY (64 hex digits) when it is set; the fixed demo key is for trying things out.
 */
import type { DataConverter } from '@kairos/common';
import { EncryptionCodec } from './encryption-codec';

const DEMO_KEY = 'ab'.repeat(32);

export function getDataConverter(keyHex = process.env.ENCRYPTION_KEY ?? DEMO_KEY, keyId = 'key-1'): DataConverter {
  if (!/^[0-9a-fA-F]{64}$/.test(keyHex)) {
    throw new TypeError('ENCRYPTION_KEY must be 64 hexadecimal digits (a 32-byte AES-256 key)');
  }
  return { payloadCodecs: [new EncryptionCodec(new Map([[keyId, Buffer.from(keyHex, 'hex')]]), keyId)] };
}
