/** The CLI's exit codes; every failure maps to one of them. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** No token configured, or the backend rejected it (401), or the device login was denied or expired. */
  auth: 3,
  /** The backend could not be reached at all (connection refused, DNS, timeout). */
  unreachable: 4,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A failure the CLI reports to the user: a stable machine code (printed under `--json`), a message written
 * for a person (never carrying a key or a token), and the process exit code.
 */
export class CliError extends Error {
  override name = "CliError";

  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failure,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError("usage", message, ExitCode.usage);
}
