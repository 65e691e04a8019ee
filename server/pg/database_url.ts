/**
 * The database URL: checked once, and never shown with its password.
 * @module
 */

/** `url` with its password replaced by `***`, for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.href;
  } catch {
    // Not a URL: hide whatever sits between "://user:" and "@".
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}

/** `text` with every occurrence of the password of `url` replaced by `***`. */
export function hidePassword(text: string, url: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    password = /\/\/[^:/@]*:([^@]*)@/.exec(url)?.[1] ?? "";
  }
  const hidden = password ? text.replaceAll(password, "***") : text;
  return hidden.replaceAll(url, redactDatabaseUrl(url));
}

/** Checks that `url` is a `postgres://` or `postgresql://` URL; throws a RangeError if not. */
export function checkDatabaseUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`The database URL is not a URL: ${redactDatabaseUrl(url)}`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new RangeError(
      `The database URL must start with postgres://, not ${parsed.protocol}//`,
    );
  }
}
