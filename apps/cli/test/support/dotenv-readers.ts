/**
 * Minimal re-implementations of how the two readers agents use parse a `.env`, enough to check that a
 * written value reads back as itself:
 * - Node's `dotenv` (lib/main.js `parse`): one multi-line regex, quotes stripped, no escapes in single quotes;
 * - python-dotenv (parser.py + main.py): a single-quoted value honours `\\` and `\'` escapes, and
 *   `load_dotenv()` then expands `${NAME}` even inside single quotes.
 */

const NODE_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

export function parseLikeNodeDotenv(source: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = source.replace(/\r\n?/gm, "\n");
  NODE_LINE.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = NODE_LINE.exec(lines)) !== null) {
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    result[match[1]!] = value;
  }
  return result;
}

const PY_BINDING = /[ \t]*(?:export[ \t]+)?([^=#\s]+)[ \t]*=[ \t]*'((?:\\'|[^'])*)'[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r|$)/y;
const PY_SKIP = /[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r)/y;

/** Single-quoted bindings only (what the block holds); `env` feeds the `${NAME}` expansion of load_dotenv(). */
export function parseLikePythonDotenv(source: string, env: Record<string, string> = {}): { values: Record<string, string>; errors: number } {
  const values: Record<string, string> = {};
  let errors = 0;
  let position = 0;
  while (position < source.length) {
    PY_SKIP.lastIndex = position;
    if (PY_SKIP.exec(source)) {
      position = PY_SKIP.lastIndex;
      continue;
    }
    PY_BINDING.lastIndex = position;
    const match = PY_BINDING.exec(source);
    if (match) {
      const raw = match[2]!.replace(/\\([\\'])/g, "$1");
      values[match[1]!] = raw.replace(/\$\{([^}:]*)(?::-([^}]*))?\}/g, (_all, name: string, fallback?: string) => values[name] ?? env[name] ?? fallback ?? "");
      position = PY_BINDING.lastIndex;
    } else {
      errors++;
      const next = source.indexOf("\n", position);
      position = next === -1 ? source.length : next + 1;
    }
  }
  return { values, errors };
}
