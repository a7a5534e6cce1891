/** The `tributary` executable's entry: the process's own streams, environment and exit code. */
import { processIo } from "./io.js";
import { run } from "./run.js";

// `tributary connectors list | head -1`: a reader that went away is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2), processIo());
