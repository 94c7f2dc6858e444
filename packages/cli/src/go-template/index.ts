/**
 * Go's text/template, the subset Docker's `--format` users write: fields, variables, pipelines,
 * if/else/with/range, Go's builtin functions and Docker's (json, join, split, lower, upper,
 * title, pad, truncate). Written here: the npm ports are unmaintained or need a native build.
 */
import { executeTemplate } from "./execute.js";
import type { TemplateFunction } from "./functions.js";
import { parseTemplate } from "./parser.js";

export { goJson, goString, HTML_ESCAPED_JSON, nilMap, nilSlice } from "./go-value.js";

export function renderTemplate(template: string, data: unknown, funcs?: Record<string, TemplateFunction>): string {
  return executeTemplate(parseTemplate(template), data, funcs);
}

/** Parses once, runs many times (one row each). */
export function compileTemplate(template: string): (data: unknown) => string {
  const nodes = parseTemplate(template);
  return (data) => executeTemplate(nodes, data);
}
