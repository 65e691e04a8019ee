/**
 * OpenTelemetry spans through `@opentelemetry/api`: one per UDP request (from the datagram to
 * its reply) and one per sale exchange. Deno exports them when started with `OTEL_DENO=true`;
 * without it no span is made at all, so the hot path pays one boolean test.
 * @module
 */

import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";

/** Whether Deno's built-in OpenTelemetry export is on (`OTEL_DENO=true` at start). */
export const tracingEnabled: boolean = otelRequested();

const tracer = trace.getTracer("auction-server");
const TEXT = new TextDecoder();

function otelRequested(): boolean {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "OTEL_DENO" }).state !== "granted") {
      return false;
    }
    return ["true", "1"].includes(Deno.env.get("OTEL_DENO")?.toLowerCase() ?? "");
  } catch {
    return false;
  }
}

/** The message name a line starts with (for span attributes; never the fields, which may be private). */
function messageName(text: string): string {
  const space = text.indexOf(" ");
  return (space < 0 ? text : text.slice(0, space)).slice(0, 32).toUpperCase();
}

/** Runs one UDP request inside a span that ends once it was answered. */
export async function traceRequest(
  bytes: Uint8Array,
  run: (onReply: (line: string) => void) => Promise<void>,
): Promise<void> {
  const span = tracer.startSpan("auction.udp_request", {
    attributes: {
      "auction.request.type": messageName(TEXT.decode(bytes.subarray(0, 40))),
      "auction.request.bytes": bytes.byteLength,
    },
  });
  try {
    await run((line) => {
      span.setAttribute("auction.reply.type", messageName(line));
      span.addEvent("reply sent");
    });
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** What a sale span names: the item, and how the sale stands at its end. */
export interface TracedSale {
  /** The item's id. */
  id: number;
  /** The item's name. */
  name: string;
  /** The sale's status, read when the exchange ends. */
  status: () => string | undefined;
}

/** Runs one sale exchange inside a span. */
export async function traceSale(sale: TracedSale, run: () => Promise<void>): Promise<void> {
  const span = tracer.startSpan("auction.sale", {
    attributes: { "auction.item.id": sale.id, "auction.item.name": sale.name },
  });
  try {
    await run();
    span.setAttribute("auction.sale.status", sale.status() ?? "unknown");
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

function failed(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
