/**
 * A small GraphQL document parser: enough of the language for what clients send Linear (operations,
 * aliases, arguments with variables, fragments, inline fragments, @include/@skip), without pulling in
 * the `graphql` package. Fragments are expanded and skipped fields dropped as the document is read.
 */

export type ValueNode =
  | { kind: "variable"; name: string }
  | { kind: "scalar"; value: string | number | boolean | null }
  | { kind: "enum"; value: string }
  | { kind: "list"; values: ValueNode[] }
  | { kind: "object"; fields: Record<string, ValueNode> };

export interface SourceLocation {
  line: number;
  column: number;
}

export interface FieldNode {
  alias: string;
  name: string;
  args: Record<string, ValueNode>;
  selections: FieldNode[];
  location: SourceLocation;
}

export interface OperationNode {
  operation: "query" | "mutation" | "subscription";
  name?: string;
  selections: FieldNode[];
}

export class GraphqlSyntaxError extends Error {
  readonly location: SourceLocation;

  constructor(message: string, location: SourceLocation) {
    super(`Syntax Error: ${message}`);
    this.name = "GraphqlSyntaxError";
    this.location = location;
  }
}

/** A well-formed document that cannot run: unknown fragment, ambiguous operation, unknown field. */
export class GraphqlValidationError extends Error {
  readonly location: SourceLocation | undefined;

  constructor(message: string, location?: SourceLocation) {
    super(message);
    this.name = "GraphqlValidationError";
    this.location = location;
  }
}

type TokenKind = "punct" | "name" | "int" | "float" | "string" | "eof";

interface Token {
  kind: TokenKind;
  value: string;
  location: SourceLocation;
}

const punctuators = new Set(["!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}"]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): SourceLocation => ({ line, column: index - lineStart + 1 });

  while (index < source.length) {
    const char = source[index] as string;
    if (char === "\n") {
      index += 1;
      line += 1;
      lineStart = index;
    } else if (char === " " || char === "\t" || char === "\r" || char === "," || char === "\ufeff") {
      index += 1;
    } else if (char === "#") {
      while (index < source.length && source[index] !== "\n") index += 1;
    } else if (char === "." && source.startsWith("...", index)) {
      tokens.push({ kind: "punct", value: "...", location: here() });
      index += 3;
    } else if (punctuators.has(char)) {
      tokens.push({ kind: "punct", value: char, location: here() });
      index += 1;
    } else if (/[_A-Za-z]/.test(char)) {
      const match = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(index)) as RegExpExecArray;
      tokens.push({ kind: "name", value: match[0], location: here() });
      index += match[0].length;
    } else if (/[-0-9]/.test(char)) {
      const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(index));
      if (!match) throw new GraphqlSyntaxError(`Invalid number, unexpected character "${char}".`, here());
      tokens.push({ kind: match[2] || match[3] ? "float" : "int", value: match[0], location: here() });
      index += match[0].length;
    } else if (char === '"') {
      const location = here();
      if (source.startsWith('"""', index)) {
        const end = source.indexOf('"""', index + 3);
        if (end === -1) throw new GraphqlSyntaxError("Unterminated string.", location);
        const raw = source.slice(index + 3, end);
        for (const newline of raw.matchAll(/\n/g)) {
          line += 1;
          lineStart = index + 3 + (newline.index ?? 0) + 1;
        }
        tokens.push({ kind: "string", value: raw.replace(/\\"""/g, '"""').trim(), location });
        index = end + 3;
      } else {
        const { value, length } = readString(source, index, location);
        tokens.push({ kind: "string", value, location });
        index += length;
      }
    } else {
      throw new GraphqlSyntaxError(`Unexpected character: "${char}".`, here());
    }
  }
  tokens.push({ kind: "eof", value: "<EOF>", location: here() });
  return tokens;
}

const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

function readString(source: string, start: number, location: SourceLocation): { value: string; length: number } {
  let value = "";
  let index = start + 1;
  while (index < source.length) {
    const char = source[index] as string;
    if (char === '"') return { value, length: index - start + 1 };
    if (char === "\n") break;
    if (char === "\\") {
      const next = source[index + 1] ?? "";
      if (next === "u") {
        const hex = source.slice(index + 2, index + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new GraphqlSyntaxError("Invalid Unicode escape sequence.", location);
        value += String.fromCharCode(parseInt(hex, 16));
        index += 6;
        continue;
      }
      const escaped = escapes[next];
      if (escaped === undefined) throw new GraphqlSyntaxError(`Invalid character escape sequence: "\\${next}".`, location);
      value += escaped;
      index += 2;
      continue;
    }
    value += char;
    index += 1;
  }
  throw new GraphqlSyntaxError("Unterminated string.", location);
}

interface RawSelection {
  kind: "field" | "spread" | "inline";
  field?: FieldNode & { rawSelections: RawSelection[] };
  fragmentName?: string;
  inlineSelections?: RawSelection[];
  skipped: boolean;
  location: SourceLocation;
}

class Parser {
  private position = 0;
  readonly fragments = new Map<string, RawSelection[]>();

  constructor(private readonly tokens: Token[]) {}

  parseDocument(): { operations: Array<Omit<OperationNode, "selections"> & { raw: RawSelection[] }> } {
    const operations: Array<Omit<OperationNode, "selections"> & { raw: RawSelection[] }> = [];
    if (this.peek().kind === "eof") this.fail(this.peek(), "Unexpected <EOF>.");
    while (this.peek().kind !== "eof") {
      const token = this.peek();
      if (token.kind === "punct" && token.value === "{") {
        operations.push({ operation: "query", raw: this.parseSelectionSet() });
      } else if (token.kind === "name" && ["query", "mutation", "subscription"].includes(token.value)) {
        this.advance();
        const name = this.peek().kind === "name" ? this.advance().value : undefined;
        if (this.isPunct("(")) this.skipVariableDefinitions();
        this.skipDirectives();
        operations.push({ operation: token.value as OperationNode["operation"], name, raw: this.parseSelectionSet() });
      } else if (token.kind === "name" && token.value === "fragment") {
        this.advance();
        const name = this.expectName();
        this.expectKeyword("on");
        this.expectName();
        this.skipDirectives();
        this.fragments.set(name, this.parseSelectionSet());
      } else {
        this.fail(token, `Unexpected ${describe(token)}.`);
      }
    }
    return { operations };
  }

  private parseSelectionSet(): RawSelection[] {
    this.expectPunct("{");
    const selections: RawSelection[] = [];
    while (!this.isPunct("}")) {
      if (this.peek().kind === "eof") this.fail(this.peek(), "Expected Name, found <EOF>.");
      selections.push(this.parseSelection());
    }
    this.expectPunct("}");
    return selections;
  }

  private parseSelection(): RawSelection {
    const start = this.peek();
    if (this.isPunct("...")) {
      this.advance();
      if (this.peek().kind === "name" && this.peek().value !== "on") {
        const fragmentName = this.advance().value;
        return { kind: "spread", fragmentName, skipped: this.parseDirectives(), location: start.location };
      }
      if (this.peek().kind === "name" && this.peek().value === "on") {
        this.advance();
        this.expectName();
      }
      const skipped = this.parseDirectives();
      return { kind: "inline", inlineSelections: this.parseSelectionSet(), skipped, location: start.location };
    }
    const alias = this.expectName();
    let name = alias;
    if (this.isPunct(":")) {
      this.advance();
      name = this.expectName();
    }
    const args = this.isPunct("(") ? this.parseArguments() : {};
    const skipped = this.parseDirectives();
    const rawSelections = this.isPunct("{") ? this.parseSelectionSet() : [];
    return {
      kind: "field",
      field: { alias, name, args, selections: [], rawSelections, location: start.location },
      skipped,
      location: start.location,
    };
  }

  private parseArguments(): Record<string, ValueNode> {
    this.expectPunct("(");
    const args: Record<string, ValueNode> = {};
    while (!this.isPunct(")")) {
      const name = this.expectName();
      this.expectPunct(":");
      args[name] = this.parseValue();
    }
    this.expectPunct(")");
    return args;
  }

  private parseValue(): ValueNode {
    const token = this.advance();
    switch (token.kind) {
      case "int":
      case "float":
        return { kind: "scalar", value: Number(token.value) };
      case "string":
        return { kind: "scalar", value: token.value };
      case "name":
        if (token.value === "true" || token.value === "false") return { kind: "scalar", value: token.value === "true" };
        if (token.value === "null") return { kind: "scalar", value: null };
        return { kind: "enum", value: token.value };
      case "punct":
        if (token.value === "$") return { kind: "variable", name: this.expectName() };
        if (token.value === "[") {
          const values: ValueNode[] = [];
          while (!this.isPunct("]")) values.push(this.parseValue());
          this.expectPunct("]");
          return { kind: "list", values };
        }
        if (token.value === "{") {
          const fields: Record<string, ValueNode> = {};
          while (!this.isPunct("}")) {
            const name = this.expectName();
            this.expectPunct(":");
            fields[name] = this.parseValue();
          }
          this.expectPunct("}");
          return { kind: "object", fields };
        }
        break;
      case "eof":
        break;
    }
    return this.fail(token, `Unexpected ${describe(token)}.`);
  }

  /** Directives other than @include/@skip do not change what is selected, so they are read and dropped. */
  private parseDirectives(): boolean {
    let skipped = false;
    while (this.isPunct("@")) {
      this.advance();
      const name = this.expectName();
      const args = this.isPunct("(") ? this.parseArguments() : {};
      const condition = args.if;
      const value = condition?.kind === "scalar" ? condition.value : undefined;
      if ((name === "include" && value === false) || (name === "skip" && value === true)) skipped = true;
    }
    return skipped;
  }

  private skipDirectives(): void {
    this.parseDirectives();
  }

  // Variable types and defaults are not needed: values come from the request's `variables`.
  private skipVariableDefinitions(): void {
    this.expectPunct("(");
    let depth = 1;
    while (depth > 0) {
      const token = this.advance();
      if (token.kind === "eof") this.fail(token, "Expected \")\", found <EOF>.");
      if (token.kind === "punct" && token.value === "(") depth += 1;
      if (token.kind === "punct" && token.value === ")") depth -= 1;
    }
  }

  private peek(): Token {
    return this.tokens[this.position] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.position += 1;
    return token;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.kind === "punct" && token.value === value;
  }

  private expectPunct(value: string): void {
    const token = this.advance();
    if (token.kind !== "punct" || token.value !== value) this.fail(token, `Expected "${value}", found ${describe(token)}.`);
  }

  private expectName(): string {
    const token = this.advance();
    if (token.kind !== "name") this.fail(token, `Expected Name, found ${describe(token)}.`);
    return token.value;
  }

  private expectKeyword(value: string): void {
    const token = this.advance();
    if (token.kind !== "name" || token.value !== value) this.fail(token, `Expected "${value}", found ${describe(token)}.`);
  }

  private fail(token: Token, message: string): never {
    throw new GraphqlSyntaxError(message, token.location);
  }
}

function describe(token: Token): string {
  if (token.kind === "eof") return "<EOF>";
  if (token.kind === "string") return "String";
  if (token.kind === "name") return `Name "${token.value}"`;
  if (token.kind === "int") return `Int "${token.value}"`;
  if (token.kind === "float") return `Float "${token.value}"`;
  return `"${token.value}"`;
}

/** Replaces fragment spreads and inline fragments with the fields they stand for. */
function expand(raw: RawSelection[], fragments: Map<string, RawSelection[]>, seen: Set<string>): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of raw) {
    if (selection.skipped) continue;
    if (selection.kind === "field" && selection.field) {
      const { rawSelections, ...field } = selection.field;
      fields.push({ ...field, selections: expand(rawSelections, fragments, seen) });
    } else if (selection.kind === "inline") {
      fields.push(...expand(selection.inlineSelections ?? [], fragments, seen));
    } else if (selection.kind === "spread") {
      const name = selection.fragmentName ?? "";
      const fragment = fragments.get(name);
      if (!fragment) throw new GraphqlValidationError(`Unknown fragment "${name}".`, selection.location);
      if (seen.has(name)) throw new GraphqlValidationError(`Cannot spread fragment "${name}" within itself.`, selection.location);
      fields.push(...expand(fragment, fragments, new Set([...seen, name])));
    }
  }
  return fields;
}

/** Parses a document and returns the operation to run, chosen by name when there are several. */
export function parseOperation(source: string, operationName?: string): OperationNode {
  const parser = new Parser(tokenize(source));
  const { operations } = parser.parseDocument();
  const chosen = operationName
    ? operations.find((operation) => operation.name === operationName)
    : operations.length === 1
      ? operations[0]
      : undefined;
  if (!chosen) {
    const message = operationName
      ? `Unknown operation named "${operationName}".`
      : "Must provide operation name if query contains multiple operations.";
    throw new GraphqlValidationError(message);
  }
  return { operation: chosen.operation, name: chosen.name, selections: expand(chosen.raw, parser.fragments, new Set()) };
}

/** An argument's value with variables substituted. */
export function resolveValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case "variable":
      return variables[node.name] ?? null;
    case "scalar":
      return node.value;
    case "enum":
      return node.value;
    case "list":
      return node.values.map((value) => resolveValue(value, variables));
    case "object":
      return Object.fromEntries(Object.entries(node.fields).map(([key, value]) => [key, resolveValue(value, variables)]));
  }
}

export function resolveArguments(args: Record<string, ValueNode>, variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, resolveValue(value, variables)]));
}
