import { usageError } from "../errors.js";
import { FUNCTIONS, type TemplateFunction } from "./functions.js";
import { NO_VALUE, goString, isTrue } from "./go-value.js";
import type { Command, Node, Operand, Pipeline } from "./parser.js";

type Scope = Map<string, unknown>[];

/** Runs a parsed template against `data` (`.` and `$`), as Go's text/template does. */
export function executeTemplate(nodes: Node[], data: unknown, funcs: Record<string, TemplateFunction> = FUNCTIONS): string {
  const out: string[] = [];
  const scope: Scope = [new Map([["$", data]])];

  const lookupVar = (name: string): unknown => {
    for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name);
    throw usageError(`template: undefined variable: ${name}`);
  };

  const field = (value: unknown, names: string[]): unknown => {
    let cur = value;
    for (const name of names) {
      if (cur === null || cur === undefined || cur === NO_VALUE || typeof cur !== "object") return NO_VALUE;
      const next = (cur as Record<string, unknown>)[name];
      cur = next === undefined ? NO_VALUE : typeof next === "function" ? (next as () => unknown).call(cur) : next;
    }
    return cur;
  };

  const operand = (op: Operand, dot: unknown): unknown => {
    switch (op.kind) {
      case "field":
        return field(dot, op.names);
      case "variable":
        return field(lookupVar(op.name), op.fields);
      case "literal":
        return op.value;
      case "sub":
        return field(pipeline(op.pipeline, dot), op.fields);
      case "call": {
        const fn = funcs[op.name];
        if (!fn) throw usageError(`template: function "${op.name}" not defined`);
        return fn();
      }
    }
  };

  const command = (cmd: Command, dot: unknown, piped: unknown[]): unknown => {
    const [head, ...args] = cmd;
    if (head!.kind === "call") {
      const fn = funcs[head!.name];
      if (!fn) throw usageError(`template: function "${head!.name}" not defined`);
      return fn(...args.map((a) => operand(a, dot)), ...piped);
    }
    // A method with arguments, e.g. Docker's {{.Label "com.example.key"}}.
    if (head!.kind === "field" && (args.length > 0 || piped.length > 0)) {
      const names = head!.names;
      const owner = field(dot, names.slice(0, -1));
      const method = owner && typeof owner === "object" ? (owner as Record<string, unknown>)[names[names.length - 1]!] : undefined;
      if (typeof method === "function") return (method as TemplateFunction).call(owner, ...args.map((a) => operand(a, dot)), ...piped);
    }
    if (args.length > 0 || piped.length > 0) throw usageError("template: can't give argument to non-function");
    return operand(head!, dot);
  };

  const pipeline = (p: Pipeline, dot: unknown): unknown => {
    let value: unknown;
    p.commands.forEach((cmd, i) => {
      value = command(cmd, dot, i === 0 ? [] : [value]);
    });
    if (p.declare.length === 1) {
      const name = p.declare[0]!;
      if (p.assign) {
        for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) scope[i]!.set(name, value);
      } else scope[scope.length - 1]!.set(name, value);
    }
    return value;
  };

  const run = (list: Node[], dot: unknown): void => {
    for (const node of list) {
      if (node.kind === "text") out.push(node.text);
      else if (node.kind === "action") {
        const value = pipeline(node.pipeline, dot);
        if (node.pipeline.declare.length === 0) out.push(goString(value));
      } else {
        scope.push(new Map());
        try {
          block(node, dot);
        } finally {
          scope.pop();
        }
      }
    }
  };

  const block = (node: Extract<Node, { kind: "if" | "with" | "range" }>, dot: unknown): void => {
    if (node.kind === "range") {
      const decl = node.pipeline.declare;
      const value = pipeline({ ...node.pipeline, declare: [] }, dot);
      const entries: [unknown, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : value && typeof value === "object"
          ? Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]])
          : typeof value === "number"
            ? Array.from({ length: value }, (_, i) => [i, i])
            : [];
      if (entries.length === 0) return run(node.otherwise, dot);
      for (const [key, element] of entries) {
        const frame = scope[scope.length - 1]!;
        if (decl.length === 1) frame.set(decl[0]!, element);
        if (decl.length === 2) {
          frame.set(decl[0]!, key);
          frame.set(decl[1]!, element);
        }
        run(node.body, element);
      }
      return;
    }
    const value = pipeline(node.pipeline, dot);
    if (isTrue(value)) run(node.body, node.kind === "with" ? value : dot);
    else run(node.otherwise, dot);
  };

  run(nodes, data);
  return out.join("");
}
