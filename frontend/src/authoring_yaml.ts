// A best-effort reading of a trigger in tether.yaml, to fill its edit form with the current
// settings (the project report names each trigger's line but not its settings; functions' and
// resources' settings come from the report). The server owns tether.yaml: this never writes
// it, and what it cannot read just leaves a field at its default.

export type YamlValue = string | YamlMap | YamlValue[];
export interface YamlMap {
  [key: string]: YamlValue;
}

const indentOf = (l: string) => l.length - l.trimStart().length;
const isItem = (l: string) => /^\s*-(\s|$)/.test(l);

/** Text before a comment (a `#` outside quotes, at the start or after a space). */
function uncomment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i);
  }
  return line;
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) {
    return t[0] === '"' ? t.slice(1, -1).replace(/\\"/g, '"').replace(/\\\\/g, "\\") : t.slice(1, -1).replace(/''/g, "'");
  }
  return t;
}

/** The indexes of `text`'s characters outside quotes and brackets, in order. */
function* topLevel(text: string): Generator<number> {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (depth === 0) yield i;
  }
}

/** Split a flow collection's inside at its top-level commas. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const i of topLevel(text)) {
    if (text[i] === ",") {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The index of a mapping's `:` (outside quotes and brackets), or -1. */
function colonAt(text: string): number {
  for (const i of topLevel(text)) {
    if (text[i] === ":" && (i + 1 === text.length || /\s/.test(text[i + 1]))) return i;
  }
  return -1;
}

export function flow(text: string): YamlValue {
  const t = text.trim();
  if (t.startsWith("{") && t.endsWith("}")) {
    const map: YamlMap = {};
    for (const part of splitTop(t.slice(1, -1))) {
      const at = colonAt(part);
      if (at < 0) continue;
      map[unquote(part.slice(0, at))] = flow(part.slice(at + 1));
    }
    return map;
  }
  if (t.startsWith("[") && t.endsWith("]")) return splitTop(t.slice(1, -1)).map(flow);
  return unquote(t);
}

/** A block mapping from `lines` (already cut to one entry's children). */
function block(lines: string[]): YamlMap {
  const map: YamlMap = {};
  const body = lines.map(uncomment).filter((l) => l.trim());
  if (!body.length) return map;
  const base = Math.min(...body.map(indentOf));
  for (let i = 0; i < body.length; i++) {
    const line = body[i];
    if (indentOf(line) !== base) continue;
    const text = line.trim();
    if (text.startsWith("- ")) continue;
    const at = colonAt(text);
    if (at < 0) continue;
    const key = unquote(text.slice(0, at));
    const rest = text.slice(at + 1).trim();
    if (rest) {
      map[key] = flow(rest);
      continue;
    }
    const children: string[] = [];
    // A block sequence may sit at the key's own indentation (`key:` then `- item` under it).
    while (i + 1 < body.length && (indentOf(body[i + 1]) > base || (indentOf(body[i + 1]) === base && isItem(body[i + 1])))) children.push(body[++i]);
    map[key] = children.length && isItem(children[0]) ? sequence(children) : block(children);
  }
  return map;
}

/** One item of a block sequence: its first line (from the `-`) and the lines under it. */
function item(lines: string[]): YamlValue {
  const dash = indentOf(lines[0]);
  const first = lines[0].trimStart().slice(1);
  const rest = first.trimStart();
  // The item's text, as if the `-` were a space: a block map's keys keep their columns.
  const own = [" ".repeat(dash + 1 + first.length - rest.length) + rest, ...lines.slice(1)].filter((l) => l.trim());
  if (!own.length) return "";
  const text = own.map((l) => l.trim()).join(" ");
  if (/^[[{]/.test(text) || colonAt(own[0].trim()) < 0) return flow(text);
  return block(own);
}

/** A block sequence's items (`lines` from its first `-`). */
function sequence(lines: string[]): YamlValue[] {
  const body = lines.map(uncomment).filter((l) => l.trim());
  if (!body.length) return [];
  const dash = indentOf(body[0]);
  const items: string[][] = [];
  for (const l of body) {
    if (indentOf(l) === dash && isItem(l)) items.push([l]);
    else if (indentOf(l) > dash && items.length) items[items.length - 1].push(l);
  }
  return items.map(item);
}

/** Whether a flow collection's brackets close in `text` (outside quotes). */
function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return depth <= 0;
}

/** `text` from line index `at` on, joined until its flow brackets close. */
function flowFrom(lines: string[], at: number, start: string): string {
  let text = start;
  for (let i = at + 1; !balanced(text) && i < lines.length; i++) text += ` ${uncomment(lines[i]).trim()}`;
  return text;
}

/**
 * The settings of the trigger that the report places on line `line` (1-based) of `text`.
 * `position`: which of the triggers written on that line (a flow list `triggers: [{…}, {…}]`
 * has several on one line). A trigger is a flow map on its line (`- {resource: x, prefix: a/}`),
 * an item of a flow list, or a block map (`- resource: x` and the keys under it; the line may
 * be any of the map's). Null when the line holds no trigger map.
 */
export function triggerAt(text: string, line: number, position = 0): YamlMap | null {
  const lines = text.split("\n");
  const at = line - 1;
  if (at < 0 || at >= lines.length) return null;
  const here = uncomment(lines[at]);
  // A flow list of triggers on this line: `triggers: [{…}, {…}]`.
  const list = /^\s*(?:-\s+)?(["']?)triggers\1\s*:\s*(\[.*)$/.exec(here);
  if (list) {
    const items = flow(flowFrom(lines, at, list[2].trim()));
    const found = Array.isArray(items) ? items[position] : undefined;
    return found && typeof found === "object" && !Array.isArray(found) ? found : null;
  }
  // Else the sequence item this line belongs to: the nearest `-` at or above, less indented.
  let start = at;
  const indent = indentOf(here);
  while (start >= 0) {
    const l = uncomment(lines[start]);
    if (l.trim() && isItem(l) && indentOf(l) <= indent) break;
    if (l.trim() && start < at && !isItem(l) && indentOf(l) < indent) return null; // left the map
    start--;
  }
  if (start < 0) return null;
  const dash = indentOf(lines[start]);
  const first = uncomment(lines[start]).trimStart().slice(1).trim();
  if (first.startsWith("{")) {
    const found = flow(flowFrom(lines, start, first));
    return typeof found === "object" && !Array.isArray(found) ? found : null;
  }
  const own = [uncomment(lines[start])];
  for (let i = start + 1; i < lines.length; i++) {
    const l = uncomment(lines[i]);
    if (!l.trim()) continue;
    if (indentOf(l) <= dash) break;
    own.push(l);
  }
  const found = item(own);
  return typeof found === "object" && !Array.isArray(found) ? found : null;
}

/** tether.yaml's `section` (functions, resources) entry `name`, as far as it can be read. */
export function entry(text: string, section: string, name: string): YamlMap | null {
  const lines = text.split("\n");
  const top = lines.findIndex((l) => new RegExp(`^${section}:\\s*(#.*)?$`).test(l));
  if (top < 0) return null;
  let end = lines.length;
  for (let i = top + 1; i < lines.length; i++) {
    if (/^\S/.test(lines[i]) && !lines[i].startsWith("#")) {
      end = i;
      break;
    }
  }
  const inside = block(lines.slice(top + 1, end));
  const found = inside[name];
  return found && typeof found === "object" && !Array.isArray(found) ? found : null;
}
