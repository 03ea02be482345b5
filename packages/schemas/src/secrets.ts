/**
 * Keeping secrets out of messages. Configuration errors name the variable and the problem; a value is shown
 * only when it cannot hold a secret: never for a secret-named variable, URLs without userinfo, query or
 * fragment, and nothing at all for a URL-like value that does not parse (it may still carry a password).
 */

/** Variable names whose values are secrets by name. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** `scheme://host[:port]/path`: userinfo, query and fragment dropped. Unparsable input is never echoed. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.host === "") return `${u.protocol}(redacted)`;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(unparsable URL, not shown)";
  }
}

/** Looks like it could carry credentials: a URL, or `user:password@host`. */
function urlLike(value: string): boolean {
  return value.includes("://") || /^[^\s/@]*:[^\s/@]*@/.test(value);
}

/**
 * How a configuration value may appear in an error message: quoted and cut to `max` characters, a URL
 * redacted, or `undefined` when it must not appear at all.
 */
export function shownValue(name: string, value: unknown, max = 60): string | undefined {
  if (isSecretName(name)) return undefined;
  if (typeof value !== "string") return value === undefined ? undefined : String(value);
  if (urlLike(value)) {
    if (!value.includes("://")) return undefined;
    try {
      new URL(value);
    } catch {
      return undefined;
    }
    return JSON.stringify(redactUrl(value));
  }
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
