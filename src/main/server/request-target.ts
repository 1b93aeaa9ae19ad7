// Parsing of what a client sends before any handler runs: the request-target and the token cookie.
// Every function here returns a result or a reason; none throws, whatever the bytes were.

export type Target = { ok: true; path: string; query: URLSearchParams } | { ok: false; reason: string };

const MAX_TARGET = 4096;

/**
 * The decoded path and query of an origin-form request-target (`/path?query`). Absolute-form
 * (`http://host/path`, meant for proxies), `*` and anything unparsable are refused, as are paths
 * that are not percent-encoded UTF-8 or that decode to control characters (NUL would reach fs).
 */
export function parseTarget(raw: string | undefined): Target {
  if (!raw) return { ok: false, reason: 'empty request-target' };
  if (raw.length > MAX_TARGET) return { ok: false, reason: `request-target longer than ${MAX_TARGET} characters` };
  if (!raw.startsWith('/')) return { ok: false, reason: 'the request-target must be a path starting with /' };
  let url: URL;
  try {
    // Prefixing (not resolving against a base) keeps `//x/y` a path instead of a host.
    url = new URL(`http://target${raw}`);
  } catch {
    return { ok: false, reason: 'unparsable request-target' };
  }
  if (url.host !== 'target') return { ok: false, reason: 'unparsable request-target' };
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, reason: 'the path is not percent-encoded UTF-8' };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return { ok: false, reason: 'the path contains a control character' };
  return { ok: true, path, query: url.searchParams };
}

/** The value of cookie `name`, percent-decoded; undefined when absent or not decodable. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
