import type { FastifyReply } from "fastify";
import type { QueryAnswer } from "./query-service.js";

/**
 * An AbortSignal that fires when the client goes away before the answer is complete, so a query whose
 * reader left is interrupted rather than run to the end for nobody.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (reply.raw.writableFinished) return;
    controller.abort(new Error("the client closed the connection"));
    // A response cut off mid-stream leaves its socket half-closed, with unsent bytes waiting for a
    // reader that is gone: destroyed here, or the server's close would wait for it forever.
    reply.raw.socket?.destroy();
  });
  return controller.signal;
}

/**
 * Sends a query's answer as a stream. Exports read row by row announce their row count and whether
 * the row cap cut them in HTTP trailers, known only once the last row is out.
 */
export function sendAnswer(reply: FastifyReply, answer: QueryAnswer): FastifyReply {
  reply.type(answer.contentType).headers(answer.headers);
  const trailers = answer.trailers;
  if (trailers && !answer.contentType.startsWith("application/json")) {
    reply.trailer("x-tributary-row-count", async () => String(trailers().rowCount));
    reply.trailer("x-tributary-truncated", async () => String(trailers().truncated));
  }
  return reply.send(answer.body);
}
