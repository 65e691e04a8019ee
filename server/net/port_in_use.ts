/**
 * A failure to bind the server's UDP or TCP port, said plainly: `AddrInUse` alone does not say
 * which port it was, nor how to pick another.
 * @module
 */

/** `error` with the port named when it is `AddrInUse`; any other error as it is. */
export function portInUse(error: unknown, transport: "UDP" | "TCP", port: number): unknown {
  if (!(error instanceof Deno.errors.AddrInUse)) return error;
  const flag = `--${transport.toLowerCase()}-port`;
  return new Deno.errors.AddrInUse(
    `${transport} port ${port} is in use (pick another with ${flag}): ${error.message}`,
  );
}
