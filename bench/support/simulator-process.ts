/**
 * Runs one provider simulator in its own process, so a benchmark measures connect and the simulator on
 * separate event loops. Arguments: the provider id and a JSON object of simulator options. Prints
 * `READY <url>` once it listens; exits on SIGTERM.
 */
import { startGithubSimulator, startSlackSimulator } from "@tributary/simulators";

const [provider, optionsJson] = process.argv.slice(2);
const options = JSON.parse(optionsJson ?? "{}") as Record<string, unknown>;
const starters = { github: startGithubSimulator, slack: startSlackSimulator } as Record<string, (options: never) => Promise<{ url: string; close(): Promise<void> }>>;
const start = starters[provider ?? ""];
if (!start) {
  console.error(`unknown provider ${provider}`);
  process.exit(2);
}
const simulator = await start(options as never);
console.log(`READY ${simulator.url}`);
process.on("SIGTERM", () => {
  void simulator.close().then(() => process.exit(0));
});
