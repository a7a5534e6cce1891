/**
 * Slack timestamps ("1704067200.000100") identify messages within a channel and order them. They are
 * compared as integer microseconds, which a double holds exactly for any date before the year 2255.
 */
export function tsMicros(ts: unknown): number | undefined {
  if (typeof ts !== "string") return undefined;
  const match = /^(\d{1,12})(?:\.(\d{1,6})\d*)?$/.exec(ts);
  if (!match?.[1]) return undefined;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

export function formatTs(micros: number): string {
  const whole = Math.max(0, Math.floor(micros));
  const seconds = Math.floor(whole / 1_000_000);
  return `${seconds}.${String(whole - seconds * 1_000_000).padStart(6, "0")}`;
}

/** The later of two instants given in micros; undefined only when both are. */
export function laterMicros(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b > a ? b : a;
}

export const microsPerDay = 86_400 * 1_000_000;

/** `start_date` (a UTC day) as an exclusive `oldest`: one microsecond before its midnight. */
export function startDateMicros(day: string | undefined): number | undefined {
  if (day === undefined) return undefined;
  const millis = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(millis) ? undefined : millis * 1000 - 1;
}
