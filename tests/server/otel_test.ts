import assert from "node:assert/strict";
import { startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

interface OtlpSpan {
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
}

Deno.test("with OTEL_DENO=true a UDP request is one span, from the datagram to its reply", async () => {
  // A stand-in OpenTelemetry collector: takes OTLP/JSON exports and keeps their spans.
  const spans: OtlpSpan[] = [];
  const exported = Promise.withResolvers<void>();
  const collector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const body = await request.json();
      if (new URL(request.url).pathname === "/v1/traces") {
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans);
        }
        if (spans.some((span) => span.name === "auction.udp_request")) exported.resolve();
      }
      return Response.json({});
    },
  );
  const server = await startServerProcess({
    args: ["--no-http"],
    env: {
      OTEL_DENO: "true",
      OTEL_SERVICE_NAME: "auction-test",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    },
  });
  const peer = new UdpPeer({ port: server.udpPort });
  try {
    assert.equal(
      (await peer.request("REGISTER 1 ann buyer 127.0.0.1 1 1 Secret-Pass-1")).type,
      "REGISTERED",
    );
    // Deno exports on its own schedule, and at the latest when the process stops.
    await server.stop();
    const timer = setTimeout(() => exported.reject(new Error("no span exported")), 10_000);
    await exported.promise.finally(() => clearTimeout(timer));
    const span = spans.find((candidate) => candidate.name === "auction.udp_request")!;
    const attributes = Object.fromEntries(
      span.attributes.map(({ key, value }) => [key, value.stringValue ?? value.intValue]),
    );
    assert.equal(attributes["auction.request.type"], "REGISTER");
    assert.equal(attributes["auction.reply.type"], "REGISTERED");
    assert.ok(!JSON.stringify(spans).includes("Secret-Pass-1"), "no request field in a span");
  } finally {
    await peer.close();
    await server.stop();
    await collector.shutdown();
  }
});
