/**
 * A URL from a setting as the gateway writes it into a log line or an error message: its scheme, host and
 * path, never its userinfo, query or fragment. Identity providers and the proxies in front of them take a
 * secret there (`https://user:password@…`, `?key=…`), and a log line travels further than the setting.
 */
export function printableUrl(url: URL): string {
  // A URL without a host (`mailto:…`, `file:…`) has an opaque path, which may be anything: the scheme alone.
  return url.host === '' ? url.protocol : `${url.protocol}//${url.host}${url.pathname}`
}

/**
 * A setting's value as an error message names it: its printable part, quoted, or nothing of a value that is
 * no URL, which could be anything (a key pasted into the wrong variable, a URL mistyped around a password).
 */
export function printableSetting(url: URL | undefined): string {
  return url === undefined ? 'a value that is no URL (not shown: it may hold a secret)' : `"${printableUrl(url)}"`
}
