import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, startBackend, type RunningBackend } from "./support/backend-harness.js";

let backend: RunningBackend;

beforeAll(async () => {
  backend = await startBackend({ GOOGLE_CLIENT_ID: "test-client-id.apps.googleusercontent.com", GOOGLE_CLIENT_SECRET: "test-google-secret" });
}, 120_000);

afterAll(async () => {
  await backend?.close();
});

describe("Google sign-in", () => {
  it("is offered when its client id and secret are set: sign-in answers Google's authorization URL with our callback", async () => {
    const response = await call(backend, "/api/auth/sign-in/social", { body: { provider: "google", callbackURL: backend.config.frontendUrl } });
    expect(response.status).toBe(200);
    const url = new URL(response.body.url as string);
    expect(url.origin).toBe("https://accounts.google.com");
    expect(url.searchParams.get("client_id")).toBe("test-client-id.apps.googleusercontent.com");
    expect(url.searchParams.get("redirect_uri")).toBe(`${backend.url}/api/auth/callback/google`);
    expect(JSON.stringify(response.body)).not.toContain("test-google-secret");
  });
});
