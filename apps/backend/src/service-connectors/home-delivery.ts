import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface DeliveredKey {
  name: string;
  value: string;
}

export interface DeliveredSkill {
  fileName: string;
  content: string;
}

/** A server user name as useradd accepts it; anything else is never used as a path. */
const serverUserPattern = /^[a-z_][a-z0-9_.-]{0,31}$/;

/**
 * Shared-server installs (the plan's install helper): each user's keys and skills written into their
 * home folder on the server, `~/.service_env` and `~/.claude_rules/sc_*.md`, mode 600, each file
 * replaced atomically (temp file, fsync, rename). Only `sc_*.md` files are ever removed from
 * `~/.claude_rules`; homes are never created (a user without one is skipped).
 */
export class HomeDelivery {
  constructor(
    private readonly root: string,
    private readonly users: Record<string, string>,
  ) {}

  /** The server user of an email: the configured mapping, else the email's local part. */
  serverUser(email: string): string | undefined {
    const name = this.users[email] ?? email.split("@", 1)[0]!.toLowerCase();
    return serverUserPattern.test(name) && name !== "." && name !== ".." ? name : undefined;
  }

  /** Writes the user's files; `keys` empty removes `.service_env`. Answers where, or why not. */
  async write(email: string, keys: DeliveredKey[], skills: DeliveredSkill[]): Promise<{ written: boolean; reason?: string }> {
    const user = this.serverUser(email);
    if (!user) return { written: false, reason: "no server user name can be derived from the email" };
    const home = join(this.root, user);
    const info = await lstat(home).catch(() => undefined);
    if (!info?.isDirectory()) return { written: false, reason: `${home} is not an existing home folder` };

    // The keys and URLs were checked when they were stored; checked again before they meet a shell.
    const unsafe = keys.find((key) => !/^[A-Z_][A-Z0-9_]*$/.test(key.name) || !/^[A-Za-z0-9._~+/=:%?&#@!*,;()[\]-]*$/.test(key.value));
    if (unsafe) return { written: false, reason: `${unsafe.name} has a name or value that cannot be written safely` };
    const envPath = join(home, ".service_env");
    if (keys.length === 0) await rm(envPath, { force: true });
    else await writeAtomically(envPath, keys.map((key) => `${key.name}='${key.value}'\n`).join(""));

    const rules = join(home, ".claude_rules");
    await mkdir(rules, { recursive: true, mode: 0o700 });
    const wanted = new Set(skills.map((skill) => skill.fileName));
    for (const name of await readdir(rules)) {
      if (/^sc_.*\.md$/.test(name) && !wanted.has(name)) await rm(join(rules, name), { force: true });
    }
    for (const skill of skills) await writeAtomically(join(rules, skill.fileName), skill.content);
    return { written: true };
  }
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`${path} exists and is not a regular file; not replaced`);
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
