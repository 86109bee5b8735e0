/**
 * A payload codec that encrypts every payload with AES-256-GCM, so that the server (and anyone reading its
 * database or the web UI) sees only ciphertext; the client and the worker, which hold the key, see the values.
 * The encrypted payload keeps the key's id in its metadata, so keys can be rotated: decode looks the id up.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@kairos/common';
import { ValueError } from '@kairos/common';
import { temporal } from '@kairos/proto';

const ENCODING = 'binary/encrypted';
const METADATA_ENCODING_KEY = 'encoding';
const METADATA_KEY_ID_KEY = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (text: string) => new TextEncoder().encode(text);
const fromUtf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export class EncryptionCodec implements PayloadCodec {
  /**
   * @param keys encryption keys (32 bytes each, for AES-256) by id
   * @param keyId the id of the key that encrypts; every key in `keys` can decrypt
   */
  constructor(
    private readonly keys: ReadonlyMap<string, Uint8Array>,
    private readonly keyId: string,
  ) {
    for (const [id, key] of keys) {
      if (key.length !== 32) throw new TypeError(`key ${JSON.stringify(id)} must be 32 bytes long, not ${key.length}`);
    }
    if (!keys.has(keyId)) throw new TypeError(`keyId ${JSON.stringify(keyId)} is not one of the keys`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.get(this.keyId) as Uint8Array;
    return payloads.map((payload) => {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      // The whole payload (its metadata too) is encrypted: the encoding of a value can tell something about it.
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { [METADATA_ENCODING_KEY]: utf8(ENCODING), [METADATA_KEY_ID_KEY]: utf8(this.keyId) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || fromUtf8(encoding) !== ENCODING) return payload; // not encrypted by this codec
      const idBytes = payload.metadata?.[METADATA_KEY_ID_KEY];
      const keyId = idBytes ? fromUtf8(idBytes) : undefined;
      const key = keyId === undefined ? undefined : this.keys.get(keyId);
      if (key === undefined) throw new ValueError(`no key with id ${JSON.stringify(keyId)} to decrypt a payload`);
      const data = payload.data ?? new Uint8Array();
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}
