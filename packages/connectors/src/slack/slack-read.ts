import { ConnectorError } from "../core/connector-errors.js";
import type { ReadMessage } from "../core/connector-types.js";
import { SlackReader, type SlackReadContext } from "./slack-read-client.js";
import { readChannels, readUsers } from "./slack-read-directory.js";
import { readMessages } from "./slack-read-messages.js";
import { readThreadReplies } from "./slack-read-threads.js";

/** Reads one Slack stream; see docs/connectors/slack.md, "Streams and incremental reading". */
export async function* readSlack(context: SlackReadContext): AsyncGenerator<ReadMessage> {
  const reader = new SlackReader(context);
  try {
    switch (context.stream.name) {
      case "channels":
        return yield* readChannels(reader);
      case "users":
        return yield* readUsers(reader);
      case "messages":
        return yield* readMessages(reader);
      case "thread_replies":
        return yield* readThreadReplies(reader);
      default:
        throw new ConnectorError("bad_request", `unknown Slack stream "${context.stream.name}"`, { field: "stream" });
    }
  } finally {
    // Concurrent channel readers may still have a page in flight when the consumer stops early.
    reader.close();
  }
}
