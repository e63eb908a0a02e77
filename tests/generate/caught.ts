import { isSobreError, type SobreError } from '../../src/errors';

/** The SobreError a promise rejects with; fails the test when it resolves or rejects with anything else. */
export async function caught(p: Promise<unknown>): Promise<SobreError> {
  try {
    await p;
  } catch (e) {
    if (isSobreError(e)) return e;
    throw e;
  }
  throw new Error('expected a SobreError');
}
