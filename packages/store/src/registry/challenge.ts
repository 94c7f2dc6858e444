/** One `WWW-Authenticate` challenge: its scheme and parameters (realm, service, scope, error…). */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses WWW-Authenticate header values (RFC 7235): `Bearer realm="…",service="…",scope="…"`,
 * `Basic realm="…"`; several challenges may share one value, separated by commas.
 */
export function parseChallenges(values: string[]): Challenge[] {
  const out: Challenge[] = [];
  for (const value of values) {
    let i = 0;
    const s = value;
    let current: Challenge | undefined;
    while (i < s.length) {
      while (i < s.length && (s[i] === " " || s[i] === ",")) i++;
      const tokenStart = i;
      while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]!)) i++;
      const token = s.slice(tokenStart, i);
      if (!token) {
        i++;
        continue;
      }
      while (i < s.length && s[i] === " ") i++;
      if (s[i] === "=") {
        i++;
        while (i < s.length && s[i] === " ") i++;
        let v = "";
        if (s[i] === '"') {
          i++;
          while (i < s.length && s[i] !== '"') {
            if (s[i] === "\\" && i + 1 < s.length) i++;
            v += s[i++];
          }
          i++;
        } else {
          const vs = i;
          while (i < s.length && s[i] !== ",") i++;
          v = s.slice(vs, i).trim();
        }
        if (current) current.params[token.toLowerCase()] = v;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
