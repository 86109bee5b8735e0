/**
 * The error thrown by client features that Kairos does not implement yet.
 *
 * @module
 */
import { SymbolBasedInstanceOfError } from '@kairos/common/lib/type-helpers';

/**
 * Thrown by a client feature that Kairos does not implement yet; the message names the feature. The list
 * of such features is in the package README.
 */
export class NotImplementedError extends Error {
  constructor(feature: string) {
    super(`not implemented: ${feature}`);
  }
}
SymbolBasedInstanceOfError('NotImplementedError')(NotImplementedError);
