/**
 * The `tributary` command line: argument parsing (commander), dispatch to the commands, and the one place
 * where failures become exit codes and error output. `run` never calls process.exit: tests call it
 * in-process with their own {@link Io}.
 */
import { Command, CommanderError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { login, logout, status } from "./commands/auth.js";
import { connectService, disconnectService, listConnectors } from "./commands/connectors.js";
import { query } from "./commands/query.js";
import { sync } from "./commands/sync.js";
import { CliError, ExitCode } from "./errors.js";
import type { Io } from "./io.js";
import type { Context } from "./output.js";

const HELP_FOOTER = `
Environment:
  TRIBUTARY_URL         backend URL (overrides the saved one; default http://127.0.0.1:3000)
  TRIBUTARY_TOKEN       access token (overrides the saved one)
  TRIBUTARY_CONFIG_DIR  where config.json is kept (default ~/.config/tributary)

Exit codes:
  0 ok, 1 failure, 2 usage error, 3 not logged in or token rejected, 4 backend unreachable
`;

function buildProgram(io: Io, json: boolean): Command {
  const program = new Command("tributary");
  program
    .description("Tributary's command line: log in, connect internal services, deliver their keys and skills to a project")
    .version(packageJson.version, "-V, --version")
    .addOption(new Option("--json", "print one JSON document on stdout (errors too)"))
    .configureHelp({ showGlobalOptions: true })
    .addHelpText("after", HELP_FOOTER)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // Under --json the usage error is printed as JSON by run(); otherwise commander's text goes to stderr.
      outputError: (text, write) => {
        if (!json) write(text);
      },
    });
  // Subcommands copy these settings when created below; under --json the error document is the whole output.
  if (!json) program.showHelpAfterError("(run `tributary --help` for usage)");

  const context = (command: Command): Context => ({ io, json: command.optsWithGlobals().json === true });
  const leaf = (parent: Command, spec: string, description: string) => parent.command(spec).description(description).allowExcessArguments(false);

  leaf(program, "login", "log in with an access token, or in the browser (device code) when --token is not given")
    .option("--token <token>", "a personal access token (trb_pat_…); - reads it from standard input")
    .option("--url <url>", "the backend URL (default: TRIBUTARY_URL, the saved URL, or http://127.0.0.1:3000)")
    .action((options: { token?: string; url?: string }, command: Command) => login(context(command), options));

  leaf(program, "logout", "forget the saved token").action((_options, command: Command) => logout(context(command)));

  leaf(program, "status", "who you are, the backend URL, and how many services are connected").action((_options, command: Command) =>
    status(context(command)),
  );

  const connectors = program.command("connectors").description("internal services whose keys the backend hands out");
  leaf(connectors, "list", "list the services and your connection to each").action((_options, command: Command) =>
    listConnectors(context(command)),
  );
  leaf(connectors, "connect", "connect a service: the backend obtains a key for you")
    .argument("<service-id>", "the service's id, as `connectors list` shows it")
    .action((serviceId: string, _options, command: Command) => connectService(context(command), serviceId));
  leaf(connectors, "disconnect", "disconnect a service: the backend revokes your key")
    .argument("<service-id>", "the service's id, as `connectors list` shows it")
    .action((serviceId: string, _options, command: Command) => disconnectService(context(command), serviceId));

  leaf(program, "sync", "write your service keys into <dir>/.env and their skills into <dir>/.claude/rules/")
    .option("--dir <dir>", "the project directory (default: the current directory)")
    .option("--dry-run", "show what would change (values redacted) and write nothing")
    .action((options: { dir?: string; dryRun?: boolean }, command: Command) => sync(context(command), options));

  leaf(program, "query", "run one read-only SQL statement over a workspace's mirrored data")
    .argument("<sql>", "the SQL, e.g. \"SELECT state, count(*) FROM github.issues GROUP BY ALL\"")
    .option("--workspace <id>", "the workspace (default: TRIBUTARY_WORKSPACE, or your only workspace)")
    .option("--params <json>", "parameters: a JSON array for $1, $2… or an object for $name")
    .option("--limit <rows>", "rows to show (table and --json; the backend caps it)")
    .option("--format <format>", "table (default), csv or ndjson (printed as the backend streams them)")
    .action((sql: string, options: { workspace?: string; params?: string; limit?: string; format?: string }, command: Command) => query(context(command), sql, options));

  return program;
}

function printError(io: Io, json: boolean, error: { code: string; message: string; field?: string | undefined }): void {
  if (json) {
    const body = { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
    io.stdout(`${JSON.stringify({ error: body }, null, 2)}\n`);
  } else {
    io.stderr(`tributary: ${error.message}\n`);
  }
}

/** Runs the command line `argv` (without node and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  // Known before parsing so that a usage error can be printed as JSON too.
  const json = argv.includes("--json");
  const program = buildProgram(io, json);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok; // --help, --version
      // A command group without its subcommand ("tributary connectors") shows help and lands here too.
      const message = error.code === "commander.help" ? "A command is missing: run `tributary --help` for usage" : error.message.replace(/^error: /, "");
      if (json) printError(io, json, { code: "usage", message });
      return ExitCode.usage;
    }
    if (error instanceof CliError) {
      printError(io, json, error);
      return error.exitCode;
    }
    printError(io, json, { code: "internal_error", message: `Unexpected error: ${error instanceof Error ? error.message : String(error)}` });
    return ExitCode.failure;
  }
}
