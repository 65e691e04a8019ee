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
