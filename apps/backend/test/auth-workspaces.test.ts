import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, signUp, startBackend, type RunningBackend, type TestUser } from "./support/backend-harness.js";

let backend: RunningBackend;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  backend = await startBackend();
  alice = await signUp(backend, "alice");
  bob = await signUp(backend, "bob");
});

afterAll(async () => {
  await backend.close();
});

describe("auth", () => {
  it("signs up and answers /api/me with the session cookie; without it, 401 in the API's error shape", async () => {
    const me = await alice.call("/api/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: alice.id, email: alice.email, authenticated_with: "session" });
    const anonymous = await call(backend, "/api/me");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("unauthorized");
  });

  it("refuses a change made with a session cookie from another origin (or none); tokens are not affected", async () => {
    const foreign = await call(backend, "/api/workspaces", { body: { name: "csrf" }, headers: { cookie: alice.cookie, origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toContain("Cross-site request refused");
    const response = await fetch(`${backend.url}/api/workspaces`, { method: "POST", headers: { cookie: alice.cookie, "content-type": "application/json" }, body: JSON.stringify({ name: "no origin" }) });
    expect(response.status).toBe(403);
    // Reading with the cookie needs no origin.
    expect((await fetch(`${backend.url}/api/workspaces`, { headers: { cookie: alice.cookie } })).status).toBe(200);
    const token = (await alice.call("/api/access-tokens", { body: { name: "script" } })).body.token as string;
    const viaToken = await fetch(`${backend.url}/api/workspaces`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ name: "from a script" }) });
    expect(viaToken.status).toBe(201);
  });

  it("refuses a wrong password in the API's error shape", async () => {
    const response = await call(backend, "/api/auth/sign-in/email", { body: { email: alice.email, password: "wrong password!!" }, headers: { "x-forwarded-for": "10.0.0.1" } });
    expect(response.status).toBe(401);
    expect(response.body.error).toMatchObject({ code: "unauthorized", auth_code: "INVALID_EMAIL_OR_PASSWORD" });
  });

  it("rate-limits sign-in attempts per client address", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      const response = await call(backend, "/api/auth/sign-in/email", { body: { email: bob.email, password: "not the password" }, headers: { "x-forwarded-for": "10.9.9.9" } });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    // Another address is not affected.
    const other = await call(backend, "/api/auth/sign-in/email", { body: { email: bob.email, password: "correct horse battery" }, headers: { "x-forwarded-for": "10.9.9.10" } });
    expect(other.status).toBe(200);
  });

  it("issues personal access tokens shown once, stored hashed, usable as Bearer, revocable", async () => {
    const created = await alice.call("/api/access-tokens", { body: { name: "cli" } });
    expect(created.status).toBe(201);
    const token = created.body.token as string;
    expect(token).toMatch(/^trb_pat_/);
    const viaToken = await call(backend, "/api/me", { headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.body).toMatchObject({ id: alice.id, authenticated_with: "access_token" });
    const listed = await alice.call("/api/access-tokens");
    expect(listed.body.items[0]).toMatchObject({ id: created.body.id, last_four: token.slice(-4) });
    expect(JSON.stringify(listed.body)).not.toContain(token);
    expect(listed.body.items[0].last_used_at).not.toBeNull();
    const stored = await backend.test.databases.core.selectFrom("access_tokens").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);
    // Bob cannot revoke Alice's token.
    expect((await bob.call(`/api/access-tokens/${created.body.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await alice.call(`/api/access-tokens/${created.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await call(backend, "/api/me", { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });
});

describe("workspaces", () => {
  it("creates a workspace whose creator is owner; a non-member gets 404 on every workspace route", async () => {
    const created = await alice.call("/api/workspaces", { body: { name: "Acme" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Acme", role: "owner" });
    const id = created.body.id as string;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", `/api/workspaces/${id}`],
      ["PATCH", `/api/workspaces/${id}`, { name: "Taken" }],
      ["DELETE", `/api/workspaces/${id}`],
      ["GET", `/api/workspaces/${id}/members`],
      ["PATCH", `/api/workspaces/${id}/members/${alice.id}`, { role: "viewer" }],
      ["DELETE", `/api/workspaces/${id}/members/${alice.id}`],
      ["POST", `/api/workspaces/${id}/invitations`, { email: "x@example.com" }],
      ["GET", `/api/workspaces/${id}/invitations`],
    ];
    for (const [method, path, body] of routes) {
      const response = await bob.call(path, { method, body });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    expect((await bob.call("/api/workspaces")).body.items).toEqual([]);
  });

  it("invites by email; the invited user joins with the role; roles gate what members may do", async () => {
    const workspace = (await alice.call("/api/workspaces", { body: { name: "Team" } })).body;
    const invitation = await alice.call(`/api/workspaces/${workspace.id}/invitations`, { body: { email: bob.email, role: "viewer" } });
    expect(invitation.status).toBe(201);
    expect(invitation.body.accept_url).toContain(invitation.body.token);
    // The token is never listed again.
    expect(JSON.stringify((await alice.call(`/api/workspaces/${workspace.id}/invitations`)).body)).not.toContain(invitation.body.token);
    const accepted = await bob.call("/api/invitations/accept", { body: { token: invitation.body.token } });
    expect(accepted.body).toMatchObject({ id: workspace.id, role: "viewer" });
    // A used invitation cannot be used again.
    expect((await bob.call("/api/invitations/accept", { body: { token: invitation.body.token } })).status).toBe(404);

    const members = await bob.call(`/api/workspaces/${workspace.id}/members`);
    expect(members.body.items.map((member: { email: string; role: string }) => [member.email, member.role]).sort()).toEqual(
      [[alice.email, "owner"], [bob.email, "viewer"]].sort(),
    );
    const rename = await bob.call(`/api/workspaces/${workspace.id}`, { method: "PATCH", body: { name: "Mine now" } });
    expect(rename.status).toBe(403);
    expect(rename.body.error.message).toContain("admin");
    // The last owner can neither leave nor be demoted.
    expect((await alice.call(`/api/workspaces/${workspace.id}/members/${alice.id}`, { method: "DELETE" })).status).toBe(409);
    expect((await alice.call(`/api/workspaces/${workspace.id}/members/${bob.id}`, { method: "PATCH", body: { role: "admin" } })).status).toBe(204);
    expect((await bob.call(`/api/workspaces/${workspace.id}`, { method: "PATCH", body: { name: "Renamed" } })).body.name).toBe("Renamed");
    // An admin cannot remove the owner.
    expect((await bob.call(`/api/workspaces/${workspace.id}/members/${alice.id}`, { method: "DELETE" })).status).toBe(403);
  });

  it("an invitation for another address cannot be accepted", async () => {
    const workspace = (await alice.call("/api/workspaces", { body: { name: "Closed" } })).body;
    const invitation = (await alice.call(`/api/workspaces/${workspace.id}/invitations`, { body: { email: "someone-else@example.com" } })).body;
    const response = await bob.call("/api/invitations/accept", { body: { token: invitation.token } });
    expect(response.status).toBe(403);
  });
});

describe("API quality", () => {
  it("answers bad input with a 400 naming the field, in params, query and body", async () => {
    const badBody = await alice.call("/api/workspaces", { body: { name: "" } });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error).toMatchObject({ code: "bad_request", field: "name" });
    const badParam = await alice.call("/api/workspaces/not-a-uuid");
    expect(badParam.status).toBe(400);
    expect(badParam.body.error.field).toBe("params.workspaceId");
    const badQuery = await alice.call("/api/workspaces?limit=0");
    expect(badQuery.body.error.field).toBe("querystring.limit");
    const extra = await alice.call("/api/workspaces", { body: { name: "x", owner: "me" } });
    expect(extra.status).toBe(400);
  });

  it("paginates lists with an opaque cursor", async () => {
    const user = await signUp(backend, "pager");
    for (const name of ["one", "two", "three"]) await user.call("/api/workspaces", { body: { name } });
    const first = await user.call("/api/workspaces?limit=2");
    expect(first.body.items.map((item: { name: string }) => item.name)).toEqual(["one", "two"]);
    const second = await user.call(`/api/workspaces?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ items: [{ name: "three" }], next_cursor: null });
  });

  it("serves the OpenAPI document and its reference, /health, and /ready naming what is down", async () => {
    const openapi = await call(backend, "/api/openapi.json");
    expect(openapi.body.paths["/api/workspaces"]).toBeDefined();
    expect((await call(backend, "/api/docs/")).status).toBe(200);
    expect((await call(backend, "/health")).body).toEqual({ status: "ok" });
    const ready = await call(backend, "/ready");
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toEqual({ auth_database: "ok", core_database: "ok", connect: "unavailable" });
  });

  it("never writes a password, cookie or token to the logs", async () => {
    const joined = backend.logLines.join("\n");
    expect(joined).not.toContain("correct horse battery");
    expect(joined).not.toContain(alice.cookie.split("=")[1]!.slice(0, 20));
    expect(joined).not.toMatch(/trb_pat_[A-Za-z0-9_-]{20}/);
  });
});
