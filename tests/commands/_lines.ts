/**
 * Request lines for command tests.
 * @module
 */

/** `REGISTER rq name role 127.0.0.1 udp tcp [password]`. */
export function registerLine(
  rq: number,
  name: string,
  options: { role?: string; udpPort?: number; tcpPort?: number; password?: string } = {},
): string {
  const { role = "buyer", udpPort = 6000, tcpPort = 6001, password } = options;
  return `REGISTER ${rq} ${name} ${role} 127.0.0.1 ${udpPort} ${tcpPort}${
    password === undefined ? "" : ` ${password}`
  }`;
}

/** The session key of a REGISTERED or LOGIN_SUCCESS reply (throws without one). */
export function keyOf(reply: string | undefined): string {
  const match = / key=([0-9a-f]{32})$/.exec(reply ?? "");
  if (!match) throw new Error(`No session key in ${JSON.stringify(reply)}`);
  return match[1]!;
}

/** `line` with the session key field appended. */
export function withKey(line: string, key: string): string {
  return `${line} key=${key}`;
}
