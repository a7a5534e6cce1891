import { randomInt, seededRandom } from "./github-random.js";

/**
 * Text the dataset's records carry: titles, markdown bodies, commit messages. Built once per dataset
 * from its seed and kept already JSON-escaped, so rendering a record splices strings instead of
 * calling JSON.stringify on every field.
 */
const verbs = ["Fix", "Add", "Improve", "Refactor", "Document", "Remove", "Speed up", "Investigate", "Support", "Handle"];
const subjects = [
  "pagination in the issues listing",
  "retry logic for uploads",
  "the login redirect",
  "memory use of the parser",
  "a flaky integration test",
  "the dark mode toggle",
  "CSV export of reports",
  "webhook signature checks",
  "search ranking for short queries",
  "the error message on timeouts",
  "the billing page layout",
  "the rate limiter",
];
const qualifiers = ["", " on Windows", " for large repositories", " after the upgrade", " in the CLI", " behind a proxy", " when offline", " for new users"];

const sentences = [
  "When the list has more than a few hundred entries the page takes several seconds to render.",
  "Steps to reproduce: open the settings page, switch the workspace, then go back to the dashboard.",
  "The logs show a timeout from the upstream service right before the failure.",
  "This started after the last release; the previous version behaved as expected.",
  "I traced it to the cache key, which does not include the workspace identifier.",
  "Expected behaviour: the export contains every row, in the order shown on screen.",
  "Actual behaviour: the last page is silently dropped when the total is a multiple of the page size.",
  "A workaround is to reload the page, but that loses the filters that were applied.",
  "We should add a regression test that covers the empty and the single-item cases.",
  "Memory grows by roughly 40 MB per hour under a steady load of small requests.",
  "The retry should back off exponentially with jitter instead of retrying immediately.",
  "Users behind corporate proxies report that the request never completes.",
  "The documentation does not mention that the token needs the read scope for this to work.",
  "Happy to open a pull request if the approach below sounds reasonable.",
  "Related to the discussion in the last planning meeting about release blockers.",
  "The stack trace points at the serializer, which receives an undefined value.",
];
const listItems = [
  "- [ ] reproduce on the latest main branch",
  "- [ ] add a failing test",
  "- [x] confirm the bug on staging",
  "- [ ] check the other callers of this function",
  "- [ ] update the changelog",
  "- [x] collect logs from the affected tenant",
];
const codeBlocks = [
  "```\nError: request to https://example.internal/api failed, reason: socket hang up\n    at ClientRequest.<anonymous>\n```",
  "```ts\nconst page = await client.list({ perPage: 100, cursor });\n```",
  "```\n$ npm run build\n> tsc -p tsconfig.json\nsrc/index.ts(42,7): error TS2322\n```",
];
const commitSubjects = [
  "Fix off-by-one in page iteration",
  "Add retry with jittered backoff",
  "Bump dependencies",
  "Refactor the request builder",
  "Document the export format",
  "Speed up the parser by caching lookups",
  "Remove the unused feature flag",
  "Handle empty responses from the API",
  "Merge pull request from feature branch",
  "Tighten input validation",
];
const reviewTexts = [
  "Looks good to me.",
  "Nice cleanup. One question about the error path inline.",
  "Please add a test for the empty case before merging.",
  "",
  "Approving; the follow-up can go in a separate pull request.",
  "I think this changes the public API; can we keep the old name as an alias?",
];

export interface TextEntry {
  raw: string;
  json: string;
}

function entry(raw: string): TextEntry {
  return { raw, json: JSON.stringify(raw) };
}

export class DatasetText {
  private readonly titleEntries: TextEntry[] = [];
  readonly bodies: TextEntry[] = [];
  readonly commentBodies: TextEntry[] = [];
  readonly commitMessages: TextEntry[] = [];
  readonly reviewBodies: TextEntry[] = reviewTexts.map(entry);

  constructor(seed: number) {
    const random = seededRandom(seed ^ 0x5eed7e47);
    for (const verb of verbs) {
      for (const subject of subjects) for (const qualifier of qualifiers) this.titleEntries.push(entry(`${verb} ${subject}${qualifier}`));
    }
    const paragraph = (count: number) =>
      Array.from({ length: count }, () => sentences[randomInt(random, sentences.length)] ?? "").join(" ");
    for (let index = 0; index < 64; index += 1) {
      const parts = [paragraph(1 + randomInt(random, 3))];
      if (random() < 0.3) parts.push(Array.from({ length: 2 + randomInt(random, 2) }, () => listItems[randomInt(random, listItems.length)]).join("\n"));
      if (random() < 0.15) parts.push(codeBlocks[randomInt(random, codeBlocks.length)] ?? "");
      this.bodies.push(entry(parts.join("\n\n")));
      this.commentBodies.push(entry(paragraph(1 + randomInt(random, 3))));
    }
    for (let index = 0; index < 128; index += 1) {
      const subject = commitSubjects[randomInt(random, commitSubjects.length)] ?? "";
      this.commitMessages.push(entry(random() < 0.5 ? subject : `${subject}\n\n${paragraph(1 + randomInt(random, 2))}`));
    }
  }

  title(seed: number): TextEntry {
    return this.titleEntries[seed % this.titleEntries.length] ?? entry("");
  }

  /** A body as of a revision: edits append a line, as people do. */
  static revised(text: TextEntry, revision: number): string {
    return revision === 0 ? text.json : JSON.stringify(`${text.raw}\n\n_Edited (revision ${revision})._`);
  }
}
