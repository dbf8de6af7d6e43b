/**
 * The bytes a run read were not one version of its file (a writer appended or rewrote it while
 * the import read it). The run fails as the input's fault, but its content is no content at
 * all: the run keeps no checksum, so the file is imported again once it has settled.
 */
import { DomainError, DomainErrorCode } from '../../common/domain-error';

export const CONTENT_CHANGED_MESSAGE = 'the file changed while it was read';

export class ContentChangedError extends DomainError {
  constructor() {
    super(DomainErrorCode.InvalidInput, CONTENT_CHANGED_MESSAGE);
  }
}
