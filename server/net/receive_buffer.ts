/**
 * The kernel's default UDP receive buffer, and what it means for a burst of requests. A socket
 * from `Deno.listenDatagram` gets the system's default (Linux: `net.core.rmem_default`, often
 * 212,992 bytes); the runtime offers no way to ask for more. On loopback a small request takes
 * 832 bytes of that buffer (measured: 256 datagrams of 57 bytes filled 212,992), so the default
 * holds about 256 requests: 20 ms at 13,000 requests/s. A thread busy for longer under such a
 * load lets the kernel drop what does not fit, and each dropped request costs its client a
 * retransmission (`docs/performance.md`, "The UDP receive buffer").
 * @module
 */

/** Kernel memory one small request takes in a receive buffer (loopback, measured). */
export const BYTES_PER_QUEUED_REQUEST = 832;
/** Below this default the server suggests raising it. */
export const SUGGESTED_BUFFER_BYTES = 4 * 1024 * 1024;

/** Where Linux keeps the default; read once at start. */
const RMEM_DEFAULT = "/proc/sys/net/core/rmem_default";

/** The default receive buffer in bytes, or null where it cannot be read (not Linux, no permission). */
export function defaultReceiveBuffer(
  read: (path: string) => string = Deno.readTextFileSync,
): number | null {
  try {
    const bytes = Number(read(RMEM_DEFAULT).trim());
    return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
  } catch {
    return null;
  }
}

/** A suggestion to raise the buffer when it is below {@linkcode SUGGESTED_BUFFER_BYTES}, else null. */
export function receiveBufferAdvice(bytes: number | null): string | null {
  if (bytes === null || bytes >= SUGGESTED_BUFFER_BYTES) return null;
  const requests = Math.floor(bytes / BYTES_PER_QUEUED_REQUEST);
  return `The UDP receive buffer is ${bytes} bytes (net.core.rmem_default): it holds about ` +
    `${requests} requests, ${
      Math.round(requests / 13)
    } ms at 13,000 requests/s; under heavy load ` +
    `raise it (sysctl -w net.core.rmem_default=${SUGGESTED_BUFFER_BYTES}) so bursts are not dropped`;
}
