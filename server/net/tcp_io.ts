/**
 * The two small chores every TCP connection of the server needs: writing a whole line (a socket
 * write may take only part of it) and closing without caring whether the peer already did.
 * @module
 */

const UTF8 = new TextEncoder();

/** Writes `line` and a newline, all of it. Rejects if the connection is gone. */
export async function writeLine(connection: Deno.Conn, line: string): Promise<void> {
  const bytes = UTF8.encode(`${line}\n`);
  for (let written = 0; written < bytes.length;) {
    written += await connection.write(bytes.subarray(written));
  }
}

/** Closes a connection, ignoring "already closed". */
export function closeQuietly(connection: Deno.Conn): void {
  try {
    connection.close();
  } catch {
    // Already closed.
  }
}
