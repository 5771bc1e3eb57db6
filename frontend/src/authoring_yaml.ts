// A best-effort reading of one entry of tether.yaml (a function's settings, a schedule's
// expression), to fill an edit form with the current values. The server owns tether.yaml: this
// never writes it, and what it cannot read just leaves a field blank.

export type YamlValue = string | YamlMap | YamlValue[];
export interface YamlMap {
  [key: string]: YamlValue;
}

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

/** Split a flow collection's inside at its top-level commas. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** The index of a mapping's `:` (outside quotes and brackets), or -1. */
function colonAt(text: string): number {
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
    else if (c === ":" && depth === 0 && (i + 1 === text.length || /\s/.test(text[i + 1]))) return i;
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
  const indentOf = (l: string) => l.length - l.trimStart().length;
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
    while (i + 1 < body.length && indentOf(body[i + 1]) > base) children.push(body[++i]);
    if (children.length && children[0].trim().startsWith("- ")) {
      map[key] = children.filter((c) => c.trim().startsWith("- ")).map((c) => flow(c.trim().slice(2)));
    } else {
      map[key] = block(children);
    }
  }
  return map;
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
