import type { Logger } from '../config/log.js';
import type { ApiKeyIdentity } from '../store/index.js';

declare global {
  namespace Express {
    interface Request {
      /** Set by the API key check. */
      auth?: ApiKeyIdentity;
      /** The request's logger, carrying its request id. */
      log: Logger;
      id: string;
    }
  }
}
