// The pieces the authoring dialogs are made of: a modal dialog, one form control per catalogue
// field, and the preview of an edit (its diff, the permissions and variables it adds). Nothing
// here talks to the server; authoring.ts decides what to ask and when.

import { h } from "./dom";
import type { Edit, Field, SourceRef } from "./types";

// --- the dialog ----------------------------------------------------------------------------------

const openDialogs = new Set<Dialog>();
let sourceOpener: ((source: SourceRef) => void) | null = null;

/** How a file:line named in an error or a note opens (the dialogs step aside for it). */
export function setSourceOpener(open: (source: SourceRef) => void): void {
  sourceOpener = open;
}

function openSource(source: SourceRef): void {
  for (const d of [...openDialogs]) d.close();
  sourceOpener?.(source);
}

/** A modal dialog over the page: a header, a form column, a preview column and a footer. */
export class Dialog {
  readonly backdrop: HTMLElement;
  readonly el: HTMLElement;
  readonly form: HTMLElement;
  readonly side: HTMLElement;
  readonly footer: HTMLElement;
  readonly footNote: HTMLElement;
  private readonly subtitleEl: HTMLElement;
  private readonly returnFocus: Element | null;
  private closed = false;
  onClose: () => void = () => undefined;

  constructor(opts: { title: string; subtitle?: string; testid: string; narrow?: boolean; noPreview?: boolean }) {
    this.returnFocus = document.activeElement;
    this.form = h("div", { class: "dlg-form", "data-testid": "dialog-form" });
    this.side = h("div", { class: "dlg-preview", "data-testid": "dialog-preview" });
    this.subtitleEl = h("span", { class: "dlg-subtitle", "data-testid": "dialog-subtitle" }, opts.subtitle ?? "");
    this.footNote = h("span", { class: "dlg-footnote", "data-testid": "dialog-footnote" });
    this.footer = h("footer", { class: "dlg-foot" }, this.footNote, h("span", { class: "spacer" }));
    const titleId = `dlg-title-${Math.random().toString(36).slice(2)}`;
    this.el = h(
      "section",
      {
        class: `dlg${opts.narrow ? " dlg-narrow" : ""}${opts.noPreview ? " dlg-single" : ""}`,
        role: "dialog",
        "aria-modal": "true",
        "aria-labelledby": titleId,
        "data-testid": opts.testid,
      },
      h(
        "header",
        { class: "dlg-head" },
        h("h2", { id: titleId }, opts.title),
        this.subtitleEl,
        h("span", { class: "spacer" }),
        h("button", { class: "dlg-close", title: "Close (Esc)", "aria-label": "Close", "data-testid": "dialog-close", onclick: () => this.close() }, "×"),
      ),
      h("div", { class: "dlg-body" }, this.form, opts.noPreview ? null : this.side),
      this.footer,
    );
    this.backdrop = h("div", { class: "dlg-backdrop" }, this.el);
    this.backdrop.addEventListener("mousedown", (e) => {
      if (e.target === this.backdrop) this.close();
    });
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        this.close();
      } else if (e.key === "Tab") {
        // Focus stays in the dialog (it is modal).
        const focusable = [...this.el.querySelectorAll<HTMLElement>("button, input, select, textarea, a[href], [tabindex='0']")].filter(
          (el) => !(el as HTMLButtonElement).disabled && el.offsetParent !== null,
        );
        if (!focusable.length) return;
        const first = focusable[0];
        const last = focusable[focusable.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    });
    this.el.tabIndex = -1;
  }

  set subtitle(text: string) {
    this.subtitleEl.textContent = text;
  }

  /** Buttons at the right of the footer, in order. */
  buttons(...buttons: HTMLElement[]): void {
    this.footer.append(...buttons);
  }

  open(): void {
    openDialogs.add(this);
    document.body.append(this.backdrop);
    const first = this.el.querySelector<HTMLElement>("[autofocus], input:not([type=hidden]):not([disabled]), select, textarea, button.primary");
    (first ?? this.el).focus();
  }

  get isOpen(): boolean {
    return !this.closed && this.backdrop.isConnected;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    openDialogs.delete(this);
    this.backdrop.remove();
    this.onClose();
    if (this.returnFocus instanceof HTMLElement && this.returnFocus.isConnected) this.returnFocus.focus();
  }
}

export function dialogOpen(): boolean {
  return openDialogs.size > 0;
}

// --- a popover next to an element ------------------------------------------------------------------

let currentPopover: { el: HTMLElement; close: () => void } | null = null;

/** A small box next to `anchor`, closed by Escape, a click elsewhere, or the next popover. */
export function popover(anchor: HTMLElement, content: HTMLElement[], testid: string): { el: HTMLElement; close: () => void } {
  currentPopover?.close();
  const el = h("div", { class: "ctx-pop", role: "dialog", "data-testid": testid }, ...content);
  const box = anchor.getBoundingClientRect();
  document.body.append(el);
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  el.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - width - 8))}px`;
  const below = box.bottom + 4;
  el.style.top = `${below + height > window.innerHeight - 8 ? Math.max(8, box.top - height - 4) : below}px`;
  const onDown = (e: MouseEvent) => {
    if (!el.contains(e.target as Node) && e.target !== anchor) close();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      close();
      anchor.focus();
    }
  };
  const close = () => {
    el.remove();
    document.removeEventListener("mousedown", onDown, true);
    document.removeEventListener("keydown", onKey, true);
    if (currentPopover?.el === el) currentPopover = null;
  };
  document.addEventListener("mousedown", onDown, true);
  document.addEventListener("keydown", onKey, true);
  currentPopover = { el, close };
  el.querySelector<HTMLElement>("button, select, input")?.focus();
  return currentPopover;
}

/** A menu of actions under `anchor`. */
export function menu(anchor: HTMLElement, items: { label: string; testid: string; run: () => void; danger?: boolean }[], testid: string): void {
  const pop = popover(
    anchor,
    items.map((item) =>
      h(
        "button",
        {
          class: `menu-item${item.danger ? " danger" : ""}`,
          role: "menuitem",
          "data-testid": item.testid,
          onclick: () => {
            pop.close();
            item.run();
          },
        },
        item.label,
      ),
    ),
    testid,
  );
  pop.el.classList.add("ctx-menu");
  pop.el.setAttribute("role", "menu");
  pop.el.addEventListener("keydown", (e) => {
    const buttons = [...pop.el.querySelectorAll<HTMLElement>("button")];
    const at = buttons.indexOf(document.activeElement as HTMLElement);
    if (e.key === "ArrowDown") buttons[(at + 1) % buttons.length]?.focus();
    else if (e.key === "ArrowUp") buttons[(at - 1 + buttons.length) % buttons.length]?.focus();
    else return;
    e.preventDefault();
  });
}

// --- form controls ---------------------------------------------------------------------------------

export interface Control {
  readonly name: string;
  readonly el: HTMLElement;
  /** The value to send; undefined: leave it out (blank, or the default of an optional field). */
  value(): unknown;
  setError(message: string | null): void;
}

/** A labelled row of the form: the label, the input, help and the error under it. */
export function row(name: string, label: string, input: HTMLElement | HTMLElement[], opts: { help?: string; required?: boolean; extra?: HTMLElement | null } = {}): { el: HTMLElement; setError: (message: string | null) => void } {
  const error = h("div", { class: "field-error", "data-testid": `error-${name}`, hidden: true });
  const el = h(
    "div",
    { class: "fld", "data-field": name, "data-testid": `field-${name}` },
    h("label", { class: "fld-label" }, label, opts.required ? h("span", { class: "req", title: "required" }, " *") : null),
    h("div", { class: "fld-input" }, ...(Array.isArray(input) ? input : [input]), opts.extra ?? null),
    opts.help ? h("div", { class: "fld-help" }, opts.help) : null,
    error,
  );
  const setError = (message: string | null) => {
    // "message\nhint": the hint goes under the message, quieter.
    const [main, ...rest] = (message ?? "").split("\n");
    error.hidden = !message;
    error.replaceChildren(
      h("span", {}, ...linkify(main, openSource)),
      rest.length ? h("div", { class: "fld-error-hint" }, ...linkify(rest.join(" "), openSource)) : "",
    );
    el.classList.toggle("invalid", Boolean(message));
  };
  return { el, setError };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The input a catalogue field asks for. Without `initial` (a new thing) it starts at the field's
 * default and an optional field sends only a value other than its default; with `initial` (an
 * edit) it starts there and sends only a change (a cleared field sends null: back to the default).
 */
export function fieldControl(field: Field, onChange: () => void, initial?: unknown): Control {
  const editing = initial !== undefined;
  const start = editing ? initial : field.default;
  const fire = () => onChange();
  /** What to send for `v` (null or "" = the input is blank). */
  const out = (v: unknown): unknown => {
    const blank = v === null || v === "" || (Array.isArray(v) && !v.length && !editing);
    if (editing) {
      if (blank) return initial === null || initial === "" ? undefined : null;
      return same(v, initial) ? undefined : v;
    }
    if (blank) return undefined;
    return field.required || !same(v, field.default) ? v : undefined;
  };
  const prefill = start != null && (field.required || editing);
  let input: HTMLElement | HTMLElement[];
  let read: () => unknown;
  const testid = `input-${field.name}`;
  switch (field.input) {
    case "int": {
      const el = h("input", { type: "number", "data-testid": testid, name: field.name, step: 1, placeholder: field.default == null ? "" : String(field.default), oninput: fire });
      if (prefill) el.value = String(start);
      read = () => {
        const text = el.value.trim();
        const n = Number(text);
        return out(!text ? null : Number.isFinite(n) ? n : text);
      };
      input = el;
      break;
    }
    case "bool": {
      const el = h("input", { type: "checkbox", "data-testid": testid, name: field.name, onchange: fire });
      el.checked = Boolean(start);
      read = () => {
        if (editing) return el.checked === Boolean(initial) ? undefined : el.checked;
        return field.required || el.checked !== Boolean(field.default) ? el.checked : undefined;
      };
      input = h("label", { class: "check" }, el, h("span", {}, field.help || field.label));
      break;
    }
    case "choice": {
      const choices = field.choices ?? [];
      const el = h("select", { "data-testid": testid, name: field.name, onchange: fire });
      if (!field.required) el.append(h("option", { value: "" }, field.default == null ? "—" : `default (${String(field.default)})`));
      el.append(...choices.map((c) => h("option", { value: c }, c)));
      el.value = start == null ? "" : String(start);
      read = () => out(el.value || null);
      input = el;
      break;
    }
    case "multi": {
      const chosen = new Set(Array.isArray(start) ? start.map(String) : []);
      const boxes = (field.choices ?? []).map((c) => {
        const box = h("input", { type: "checkbox", value: c, "data-testid": `${testid}-${c}`, onchange: fire });
        box.checked = chosen.has(c);
        return h("label", { class: "check" }, box, h("span", {}, c));
      });
      read = () => out(boxes.map((b) => b.querySelector("input")!).filter((b) => b.checked).map((b) => b.value));
      input = h("div", { class: "checks", "data-testid": testid }, ...boxes);
      break;
    }
    case "keys":
      return keysControl(field, onChange, start, editing);
    default: {
      const el = h("input", { type: "text", "data-testid": testid, name: field.name, spellcheck: "false", placeholder: field.default == null ? "" : String(field.default), oninput: fire });
      if (prefill) el.value = String(start);
      read = () => out(el.value.trim() || null);
      input = el;
    }
  }
  const r = row(field.name, field.label, input, { help: field.input === "bool" ? undefined : field.help, required: field.required });
  return { name: field.name, el: r.el, value: read, setError: r.setError };
}

/** DynamoDB key attributes: a partition key, then an optional sort key ({"id": "S", "at": "N"}). */
function keysControl(field: Field, onChange: () => void, start: unknown, editing: boolean): Control {
  const entries = start && typeof start === "object" ? Object.entries(start as Record<string, string>) : [];
  const keyRow = (role: string, name: string, type: string, removable: boolean) => {
    const nameEl = h("input", { type: "text", class: "key-name", "data-testid": `key-${role}-name`, placeholder: role === "partition" ? "id" : "sort key", value: name, spellcheck: "false", oninput: () => onChange() });
    const typeEl = h("select", { class: "key-type", "data-testid": `key-${role}-type`, onchange: () => onChange() }, ...["S", "N", "B"].map((t) => h("option", { value: t }, t === "S" ? "S (string)" : t === "N" ? "N (number)" : "B (binary)")));
    typeEl.value = type || "S";
    const el = h("div", { class: "key-row" }, h("span", { class: "key-role muted" }, role), nameEl, typeEl);
    if (removable) {
      el.append(h("button", { class: "mini icon", title: "Remove the sort key", "aria-label": "Remove the sort key", onclick: () => (sortRow = null, render(), onChange()) }, "×"));
    }
    return { el, nameEl, typeEl };
  };
  const partition = keyRow("partition", entries[0]?.[0] ?? "id", entries[0]?.[1] ?? "S", false);
  let sortRow: ReturnType<typeof keyRow> | null = entries[1] ? keyRow("sort", entries[1][0], entries[1][1], true) : null;
  const addSort = h("button", { class: "mini", "data-testid": "key-add-sort", onclick: () => ((sortRow = keyRow("sort", "", "S", true)), render(), sortRow.nameEl.focus(), onChange()) }, "+ sort key");
  const box = h("div", { class: "keys", "data-testid": `input-${field.name}` });
  const render = () => box.replaceChildren(partition.el, ...(sortRow ? [sortRow.el] : [addSort]));
  render();
  const r = row(field.name, field.label, box, { help: field.help, required: field.required });
  return {
    name: field.name,
    el: r.el,
    setError: r.setError,
    value: () => {
      const keys: Record<string, string> = {};
      const p = partition.nameEl.value.trim();
      if (p) keys[p] = partition.typeEl.value;
      const s = sortRow?.nameEl.value.trim();
      if (sortRow && s) keys[s] = sortRow.typeEl.value;
      if (!Object.keys(keys).length) return undefined;
      if (editing) return same(keys, start) ? undefined : keys;
      return field.required || !same(keys, field.default) ? keys : undefined;
    },
  };
}

/** The values of the controls that have one. */
export function values(controls: Control[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const c of controls) {
    const v = c.value();
    if (v !== undefined) result[c.name] = v;
  }
  return result;
}

// --- the preview of an edit ------------------------------------------------------------------------

/** A unified diff, its lines coloured: + added, − removed, @@ where. */
export function diffView(diff: string): HTMLElement {
  const lines = diff.replace(/\n$/, "").split("\n");
  const out = h("pre", { class: "diff", "data-testid": "diff" });
  for (const line of lines) {
    if (line.startsWith("+++") || line.startsWith("---")) continue;
    let cls = "dl-ctx";
    if (line.startsWith("@@")) cls = "dl-hunk";
    else if (line.startsWith("+")) cls = "dl-add";
    else if (line.startsWith("-")) cls = "dl-del";
    out.append(h("span", { class: `dl ${cls}` }, line || " "));
  }
  return out;
}

/** Split "… app/resize.py:12 …" into text and links to open. */
export function linkify(text: string, open: (source: SourceRef) => void): (Node | string)[] {
  const parts: (Node | string)[] = [];
  const re = /([\w./-]+\.(?:py|ya?ml)):(\d+)/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const source = { file: m[1], line: Number(m[2]) };
    parts.push(h("a", { class: "src", href: "#", "data-testid": "note-source", onclick: (e: Event) => (e.preventDefault(), open(source)) }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export class PreviewPane {
  readonly el: HTMLElement;

  constructor(private readonly open: (source: SourceRef) => void) {
    this.el = h("div", { class: "pv", "data-testid": "preview" });
    this.idle("The preview of the change shows here.");
  }

  idle(text: string): void {
    this.el.dataset.state = "idle";
    this.el.classList.remove("busy");
    this.el.replaceChildren(h("p", { class: "muted pv-idle" }, text));
  }

  loading(): void {
    this.el.dataset.state = "loading";
    this.el.classList.add("busy");
  }

  error(message: string, hint: string | null): void {
    this.el.dataset.state = "error";
    this.el.classList.remove("busy");
    this.el.replaceChildren(
      h("div", { class: "pv-error", "data-testid": "preview-error" }, h("b", {}, ...linkify(message, this.open)), hint ? h("div", { class: "hint" }, hint) : null),
    );
  }

  /** An error shown by its field: the preview says only that the form needs fixing. */
  fieldError(): void {
    this.el.dataset.state = "error";
    this.el.classList.remove("busy");
    this.el.replaceChildren(h("p", { class: "muted pv-idle" }, "Fix the marked field to see the change."));
  }

  show(edit: Edit): void {
    this.el.dataset.state = "ready";
    this.el.classList.remove("busy");
    const list = (cls: string, testid: string, sign: string, label: string, items: string[]) =>
      items.length
        ? h("ul", { class: `pv-list ${cls}`, "data-testid": testid }, items.map((item) => h("li", {}, h("span", { class: "pv-sign" }, sign), h("span", { class: "pv-what" }, label), " ", h("code", {}, item))))
        : null;
    const changes = edit.changes.length
      ? edit.changes.map((c) =>
          h(
            "div",
            { class: "pv-file", "data-testid": "preview-file", "data-path": c.path },
            h("div", { class: "pv-file-head" }, h("span", { class: "pv-path" }, c.path), c.new ? h("span", { class: "badge badge-project" }, "new file") : null),
            diffView(c.diff),
          ),
        )
      : edit.diff
        ? [diffView(edit.diff)]
        : [h("p", { class: "muted" }, "No file changes.")];
    const parts: (HTMLElement | null)[] = [
      h("div", { class: "pv-title", "data-testid": "preview-title" }, edit.title),
      list("pv-perm-add", "preview-permissions", "+", "permission added:", edit.permissions),
      list("pv-perm-del", "preview-removed-permissions", "−", "permission removed:", edit.removed_permissions),
      list("pv-env", "preview-environment", "+", "environment variable:", edit.environment),
      edit.notes.length
        ? h("ul", { class: "pv-notes", "data-testid": "preview-notes" }, edit.notes.map((n) => h("li", {}, ...linkify(n, this.open))))
        : null,
      h("div", { class: "pv-files" }, ...changes),
    ];
    this.el.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
  }
}

/** "2026-12-02T00:00:00+00:00" as a short local reading with its UTC time. */
export function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const utc = d.toISOString().replace("T", " ").slice(0, 16);
  return `${utc} UTC`;
}
