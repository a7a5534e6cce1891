import { startDemoSimulators } from "./demo-simulators.js";

/** `npm run start:simulators`: the four provider simulators on fixed ports, for manual exploration. */
const basePort = Number(process.env.SIMULATORS_BASE_PORT ?? "9101");
if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65531) {
  console.error("SIMULATORS_BASE_PORT must be a whole number between 0 and 65531");
  process.exit(1);
}

const started = await startDemoSimulators(basePort);
for (const { connector, simulator, credentials } of started) {
  console.log(`${connector.padEnd(8)} ${simulator.url}  demo credentials: ${JSON.stringify(credentials)}`);
}

const stop = async () => {
  await Promise.all(started.map(({ simulator }) => simulator.close()));
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
