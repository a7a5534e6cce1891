/**
 * Login without pasting a token (OAuth 2.0 device authorization grant, RFC 8628, over the backend's own
 * routes): ask for a code, show it with the URL where the user approves it, poll until approved.
 */
import { type BackendClient, errorFromResponse } from "./api.js";
import { type DeviceCode, type DeviceToken, parseApiError, parseDeviceCode, parseDeviceToken } from "./contract.js";
import { CliError, ExitCode } from "./errors.js";
import type { Io } from "./io.js";

export const DEVICE_CODES_PATH = "/api/cli/device-codes";
export const DEVICE_TOKEN_PATH = "/api/cli/device-codes/token";
/** RFC 8628 §3.5: a `slow_down` answer adds 5 seconds to the polling interval, for good. */
export const SLOW_DOWN_STEP_S = 5;

export interface DeviceLoginHooks {
  /** Shows the code and URL to the user (and may open a browser). */
  prompt(code: DeviceCode): void;
}

export async function deviceLogin(client: BackendClient, io: Io, hooks: DeviceLoginHooks): Promise<DeviceToken> {
  const code = await client.call("POST", DEVICE_CODES_PATH, {}, parseDeviceCode);
  hooks.prompt(code);
  const deadline = io.now() + code.expires_in * 1000;
  let intervalS = Math.max(code.interval, 1);
  for (;;) {
    await io.sleep(intervalS * 1000);
    const response = await client.request("POST", DEVICE_TOKEN_PATH, { device_code: code.device_code });
    if (response.status >= 200 && response.status < 300) return parseDeviceToken(response.body);
    const error = parseApiError(response.body);
    // RFC 8628 answers these with 400; any 4xx carrying one of its codes is read the same way.
    switch (response.status >= 400 && response.status < 500 ? error?.code : undefined) {
      case "authorization_pending":
        break;
      case "slow_down":
        intervalS += SLOW_DOWN_STEP_S;
        break;
      case "expired_token":
        throw new CliError("expired_token", "The login code expired before it was approved: run `tributary login` again", ExitCode.auth);
      case "access_denied":
        throw new CliError("access_denied", "The login was denied in the browser", ExitCode.auth);
      default:
        throw errorFromResponse("POST", DEVICE_TOKEN_PATH, response);
    }
    if (io.now() >= deadline) {
      throw new CliError("expired_token", "The login code expired before it was approved: run `tributary login` again", ExitCode.auth);
    }
  }
}
