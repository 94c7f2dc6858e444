/** A missing map key, which Go's text/template prints as `<no value>`. */
export const NO_VALUE: unique symbol = Symbol("no value");

/** Go's `fmt.Sprint` of a JSON-shaped value: `[a b]`, `map[k:v]` (sorted keys), `<nil>`. */
export function goString(value: unknown): string {
  if (value === NO_VALUE) return "<no value>";
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number") return goNumber(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(" ")}]`;
  if (typeof value === "function") return "<func>";
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goString((value as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  return String(value);
}

function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // Go's %v of a float64 is strconv's shortest 'g' form: exponent for large or tiny values.
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return n.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  return String(n);
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false. */
export function isTrue(value: unknown): boolean {
  if (value === NO_VALUE || value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

/**
 * Marks an object that marshals itself with Go's json.Marshal (Docker's list formatter
 * contexts): its JSON has `<`, `>`, `&`, U+2028 and U+2029 escaped (`"\u003cnone\u003e"`).
 */
export const HTML_ESCAPED_JSON: unique symbol = Symbol("json.Marshal");

/**
 * Docker's `json` template function: compact JSON, HTML characters kept (its encoder has
 * SetEscapeHTML(false)), unless the value is a context marked HTML_ESCAPED_JSON.
 */
export function goJson(value: unknown): string {
  if (value === NO_VALUE || value === undefined) return "null";
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "function" ? undefined : v)) ?? "null";
  if (!(value && typeof value === "object" && HTML_ESCAPED_JSON in value)) return text;
  return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A nil slice or map of Go's typed structs: JSON `null` (as Docker's inspect prints it), but
 * `[]` / `map[]` in a template, where Go prints a typed nil by its type.
 */
export function nilSlice(): unknown[] {
  return Object.defineProperty([], "toJSON", { value: () => null, enumerable: false });
}

export function nilMap(): Record<string, never> {
  return Object.defineProperty({}, "toJSON", { value: () => null, enumerable: false });
}
