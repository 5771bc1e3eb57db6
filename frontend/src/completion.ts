// Completion in Python tabs, from what the project knows (no language server): the keys of the
// function's event inside `event["`, the resources' environment variables (and those tether.yaml
// sets for the file's functions) inside `os.environ["` (and .get, os.getenv), and the catalogue's operations after `client.` for a
// module-level `client = boto3.client("s3")`.

import {
  autocompletion,
  completionStatus,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  type CompletionSource,
  startCompletion,
} from "@codemirror/autocomplete";
import { globalCompletion, localCompletionSource } from "@codemirror/lang-python";
import type { EditorState, Extension } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

import type { Catalogue, ProjectReport } from "./types";

export interface CompletionFacts {
  catalogue(): Catalogue | null;
  report(): ProjectReport;
}

type Step = string | number;

/** `event["Records"][0]["s3"]` -> ["Records", 0, "s3"]; null when it is not such a path. */
export function subscripts(text: string): Step[] | null {
  const steps: Step[] = [];
  const re = /\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\]/y;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return null;
    steps.push(m[3] !== undefined ? Number(m[3]) : (m[1] ?? m[2]));
    at = re.lastIndex;
  }
  return steps;
}

/** The keys an event value's expression reads, in order: `event["Records"][0]["s3"].get("size", 0)`
 * -> ["Records", 0, "s3", "size"]; it stops at the first part that is not a key. */
export function exprPath(expr: string): Step[] {
  const text = expr.trim();
  if (!text.startsWith("event")) return [];
  const steps: Step[] = [];
  const re = /\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\]|\.get\(\s*(?:"([^"]*)"|'([^']*)')/y;
  let at = "event".length;
  for (;;) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return steps;
    if (m[3] !== undefined) steps.push(Number(m[3]));
    else steps.push(m[1] ?? m[2] ?? m[4] ?? m[5]);
    if (m[4] !== undefined || m[5] !== undefined) return steps; // .get(...) ends the path
    at = re.lastIndex;
  }
}

/** The trigger kinds of the functions whose handler is in `path`. */
function triggerKinds(report: ProjectReport, path: string): string[] {
  const kinds = new Set<string>();
  for (const fn of Object.values(report.functions)) {
    if (handlerFile(fn.handler) === path) for (const t of fn.triggers) kinds.add(t.kind);
  }
  return [...kinds];
}

/** "app/resize.handler" -> "app/resize.py" (a dotted module works too). */
export function handlerFile(handler: string): string {
  const cut = handler.lastIndexOf(".");
  const module = cut < 0 ? handler : handler.slice(0, cut);
  return `${module.includes("/") ? module : module.replace(/\./g, "/")}.py`;
}

export function handlerName(handler: string): string {
  return handler.slice(handler.lastIndexOf(".") + 1);
}

/** Keys that may follow `prefix` in the events of these trigger kinds. */
function eventKeys(catalogue: Catalogue, kinds: string[], prefix: Step[]): Completion[] {
  const found = new Map<string, Completion>();
  for (const kind of kinds) {
    for (const value of catalogue.event_values[kind] ?? []) {
      const path = exprPath(value.expr);
      if (path.length <= prefix.length) continue;
      if (!prefix.every((step, i) => step === path[i] || (typeof step === "number" && typeof path[i] === "number"))) continue;
      const next = path[prefix.length];
      if (typeof next !== "string") continue;
      const last = path.length === prefix.length + 1;
      const seen = found.get(next);
      if (seen && !last) continue;
      found.set(next, {
        label: next,
        type: "property",
        detail: last ? value.label : `${kind} event`,
        boost: last ? 1 : 0,
      });
    }
  }
  return [...found.values()];
}

/** `name = boto3.client("service")` at module level: name -> service. */
export function clients(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const re = /^([A-Za-z_]\w*)\s*(?::\s*[\w.[\], ]+)?=\s*boto3\.client\(\s*["']([\w-]+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) found.set(m[1], m[2]);
  return found;
}

/** The catalogue's operations of a service (by their IAM actions' prefix). */
function methods(catalogue: Catalogue, service: string): Completion[] {
  const found = new Map<string, Completion>();
  for (const kind of catalogue.kinds) {
    for (const op of kind.operations) {
      if (!op.actions.some((a) => a.split(":")[0] === service)) continue;
      // Some operations are helpers over another client method (a presigned URL).
      const method = op.method.startsWith("presigned_") ? "generate_presigned_url" : op.method;
      const seen = found.get(method);
      if (seen) {
        const actions = new Set([...(seen.detail ?? "").split(", "), ...op.actions]);
        seen.detail = [...actions].filter(Boolean).join(", ");
        continue;
      }
      found.set(method, {
        label: method,
        type: "method",
        detail: op.actions.join(", "),
        info: op.label + (op.help ? `\n${op.help}` : ""),
        apply: method,
      });
    }
  }
  return [...found.values()];
}

const ENV_RE = /(?:\bos\.environ\s*\[|\bos\.environ\.get\(|\bos\.getenv\(|\benviron\s*\[|\benviron\.get\(|\bgetenv\()\s*(["'])([\w]*)$/;
const EVENT_RE = /\bevent((?:\[\s*(?:"[^"]*"|'[^']*'|\d+)\s*\])*)(?:\[\s*|\.get\(\s*)(["'])([\w-]*)$/;
const METHOD_RE = /(?:^|[^\w.])([A-Za-z_]\w*)\.(\w*)$/;

/** Inside a string: insert the word, and the closing quote when there is none already. */
function inQuotes(options: Completion[], quote: string, after: string): Completion[] {
  if (after.startsWith(quote)) return options;
  return options.map((o) => ({ ...o, apply: `${o.label}${quote}` }));
}

export function tetherSource(path: string, facts: CompletionFacts) {
  return (context: CompletionContext): CompletionResult | null => {
    const catalogue = facts.catalogue();
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const after = line.text.slice(context.pos - line.from);

    const env = ENV_RE.exec(before);
    if (env) {
      const report = facts.report();
      const options: Completion[] = Object.entries(report.resources)
        .filter(([, r]) => r.env)
        .map(([name, r]) => ({ label: r.env as string, type: "variable", detail: `${name} · ${r.type}` }));
      // And those tether.yaml sets for the functions whose handler is this file.
      const taken = new Set(options.map((o) => o.label));
      for (const [name, fn] of Object.entries(report.functions)) {
        if (handlerFile(fn.handler) !== path) continue;
        for (const [key, value] of Object.entries(fn.environment ?? {})) {
          if (taken.has(key)) continue;
          taken.add(key);
          options.push({ label: key, type: "variable", detail: `${name}'s environment`, info: `= ${value} (tether.yaml)` });
        }
      }
      if (!options.length) return null;
      return { from: context.pos - env[2].length, options: inQuotes(options, env[1], after), validFor: /^\w*$/ };
    }

    const event = EVENT_RE.exec(before);
    if (event && catalogue) {
      const prefix = subscripts(event[1]);
      if (!prefix) return null;
      let kinds = triggerKinds(facts.report(), path);
      if (!kinds.length) kinds = Object.keys(catalogue.event_values);
      const options = eventKeys(catalogue, kinds, prefix);
      if (!options.length) return null;
      return { from: context.pos - event[3].length, options: inQuotes(options, event[2], after), validFor: /^[\w-]*$/ };
    }

    const call = METHOD_RE.exec(before);
    if (call && catalogue) {
      const service = clients(context.state.doc.toString()).get(call[1]);
      if (!service) return null;
      const options = methods(catalogue, service);
      if (!options.length) return null;
      return { from: context.pos - call[2].length, options, validFor: /^\w*$/ };
    }
    return null;
  };
}

/** Whether the cursor is where a completion of ours applies. */
function wants(state: EditorState, pos: number = state.selection.main.head): boolean {
  const line = state.doc.lineAt(pos);
  const before = line.text.slice(0, pos - line.from);
  if (ENV_RE.test(before) || EVENT_RE.test(before)) return true;
  const call = METHOD_RE.exec(before);
  return Boolean(call && clients(state.doc.toString()).has(call[1]));
}

/** A source that stays quiet where ours applies (Python's own names would bury ours). */
function unlessOurs(source: CompletionSource): CompletionSource {
  return (context) => (wants(context.state, context.pos) ? null : source(context));
}

/** The completion a Python tab gets: our source (alone where it applies, opened as soon as one
 * of its contexts is typed), else Python's own names as before (on Ctrl+Space). */
export function tetherCompletion(path: string, facts: CompletionFacts): Extension {
  return [
    autocompletion({ override: [tetherSource(path, facts), unlessOurs(localCompletionSource), unlessOurs(globalCompletion)] }),
    EditorView.updateListener.of((update) => {
      if (!update.docChanged || !update.transactions.some((tr) => tr.isUserEvent("input.type"))) return;
      if (completionStatus(update.state) !== null || !wants(update.state)) return;
      const view = update.view;
      setTimeout(() => startCompletion(view), 0);
    }),
  ];
}
