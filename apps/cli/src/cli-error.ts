/** A user error of the command line (bad flag, missing file): printed without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
