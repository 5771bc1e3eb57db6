// Visual authoring: the palette, drag and drop onto code and functions, and the dialogs that
// add, change and remove resources, triggers, operations and functions. Every dialog previews
// the server's edit (the diff, the permissions and variables it brings) before Apply writes it;
// the server does the editing (the same engine as `tether add`), this module only asks.

import type { Extension, StateEffect } from "@codemirror/state";

import { api, ApiError, authoringApi } from "./api";
import { Dialog, PreviewPane, type Control, dialogOpen, fieldControl, linkify, menu, popover, row, setSourceOpener, values, when } from "./authoring_ui";
import { type DragData, type DropTarget, type HandlerInfo, editorAuthoring, endDrag, setHandlers, startDrag } from "./authoring_editor";
import { entry, triggerAt, type YamlMap, type YamlValue } from "./authoring_yaml";
import { handlerFile, handlerName, tetherCompletion } from "./completion";
import { h, parseSource } from "./dom";
import type { AuthoringAction, Catalogue, CatalogueKind, CatalogueOperation, Edit, Field, ProjectReport, SourceRef, Trigger } from "./types";

export type ToastAction = { label: string; run: () => void; testid?: string };
/** A note in the corner; `body` (more to read or click) keeps it on screen longer. */
type Toast = (message: string, kind?: "info" | "error", action?: ToastAction, body?: HTMLElement) => HTMLElement | void;

export interface AuthoringHost {
  report(): ProjectReport;
  toast: Toast;
  open(source: SourceRef): Promise<void>;
  /** The open tab of `path` has unsaved edits. */
  isDirty(path: string): boolean;
  /** Reload the open tabs of these files from disk (they have no unsaved edits). */
  reload(paths: string[]): Promise<void>;
  /** The catalogue arrived: ask the editors for the authoring effects again (the handlers'
   * trigger marks) and redraw the side panel (which triggers have settings to edit). */
  refreshEditors(): void;
  /** Check the project again now (not waiting for the server's push) and show the result. */
  refreshProject(): Promise<void>;
}

const PROJECT_FILE = "tether.yaml";
const PREVIEW_PAUSE_MS = 250;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A short default name for a new resource of a kind. */
const BASE_NAMES: Record<string, string> = {
  "s3.bucket": "bucket",
  "dynamodb.table": "table",
  "sns.topic": "topic",
  "sqs.queue": "queue",
  schedule: "schedule",
  "http.api": "api",
};

const PAST: Record<string, string> = { add: "Added", remove: "Removed", rename: "Renamed", set: "Set", change: "Changed", update: "Updated", trigger: "Triggered", delete: "Deleted" };

/** "add the operation … to resize" -> "Added the operation … to resize". */
function done(title: string): string {
  const [first, ...rest] = title.split(" ");
  const past = PAST[first.toLowerCase()];
  return past ? [past, ...rest].join(" ") : `Done: ${title}`;
}

export function kindIcon(kind: CatalogueKind | undefined, type: string): HTMLElement {
  return h("span", { class: `ico ico-${type.replace(/\./g, "-")}`, "aria-hidden": "true" }, kind?.icon ?? type.slice(0, 3).toUpperCase());
}

/** A field's error named by the server ("settings.batch_size", "params.Key") -> its control. */
function matchField(field: string, names: string[]): string | null {
  if (names.includes(field)) return field;
  const parts = field.split(/[.[\]]/).filter(Boolean).reverse();
  return parts.find((p) => names.includes(p)) ?? null;
}

/** What an edit form starts from for a field that is not set (its default applies). */
function unsetOf(f: Field): unknown {
  return f.input === "bool" ? Boolean(f.default) : f.input === "multi" || f.input === "keys" ? f.default : null;
}

/** A field's current value as tether.yaml's text has it (a trigger's settings). */
function initialOf(v: YamlValue | undefined, f: Field): unknown {
  if (v === undefined) return unsetOf(f);
  if (f.input === "int") return typeof v === "string" && Number.isFinite(Number(v)) ? Number(v) : v;
  if (f.input === "bool") return v === "true";
  if (f.input === "multi") return Array.isArray(v) ? v : [v];
  return v;
}

/** A field's current value as the project report has it (a function's or resource's settings). */
function currentOf(v: unknown, f: Field): unknown {
  if (v === undefined || v === null || v === "") return unsetOf(f);
  if (f.input === "bool") return Boolean(v);
  if (f.input === "multi") return Array.isArray(v) ? v.map(String) : [String(v)];
  if (f.input === "keys") return typeof v === "object" && !Array.isArray(v) ? v : unsetOf(f);
  if (f.input === "int") return typeof v === "number" ? v : Number.isFinite(Number(v)) ? Number(v) : v;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

// --- one dialog's preview and apply ----------------------------------------------------------------

interface SessionOptions {
  title: string;
  subtitle?: string;
  testid: string;
  applyLabel: string;
  danger?: boolean;
  narrow?: boolean;
  /** The action as the form says now, or why it cannot be asked yet. */
  build: () => AuthoringAction | string;
  applied: (edit: Edit) => void | Promise<void>;
}

/** A dialog whose form is previewed on every change (debounced) and applied with a click. */
class EditSession {
  readonly dialog: Dialog;
  readonly preview: PreviewPane;
  readonly applyButton: HTMLButtonElement;
  private readonly errors = new Map<string, (message: string | null) => void>();
  private timer: number | undefined;
  private ticket = 0;
  private ok = false;
  private applying = false;

  constructor(
    private readonly authoring: Authoring,
    private readonly opts: SessionOptions,
  ) {
    this.dialog = new Dialog({ title: opts.title, subtitle: opts.subtitle, testid: opts.testid, narrow: opts.narrow });
    this.preview = new PreviewPane((source) => {
      this.dialog.close();
      void authoring.host.open(source);
    });
    this.dialog.side.append(this.preview.el);
    this.applyButton = h("button", { class: opts.danger ? "primary danger-primary" : "primary", "data-testid": "dialog-apply", disabled: true, title: "Write the change (Ctrl+Enter)", onclick: () => void this.apply() }, opts.applyLabel);
    this.dialog.buttons(h("button", { "data-testid": "dialog-cancel", onclick: () => this.dialog.close() }, "Cancel"), this.applyButton);
    this.dialog.el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void this.apply();
      }
    });
    this.dialog.onClose = () => window.clearTimeout(this.timer);
  }

  /** A control whose errors the server may name. */
  field(name: string, setError: (message: string | null) => void): void {
    this.errors.set(name, setError);
  }

  controls(controls: Control[]): void {
    for (const c of controls) this.field(c.name, (m) => c.setError(m));
  }

  forget(names: string[]): void {
    for (const n of names) this.errors.delete(n);
  }

  open(): void {
    this.dialog.open();
    this.changed(0);
  }

  changed(pause = PREVIEW_PAUSE_MS): void {
    window.clearTimeout(this.timer);
    this.ticket += 1;
    this.ok = false;
    this.applyButton.disabled = true;
    // A form that cannot be asked yet says so at once; else what the preview shows is about the
    // form as it was: dim it until the new one comes.
    const action = this.opts.build();
    if (typeof action === "string") {
      this.clearErrors();
      this.preview.idle(action);
      return;
    }
    if (pause) this.preview.loading();
    this.timer = window.setTimeout(() => void this.refresh(), pause);
  }

  private clearErrors(): void {
    for (const set of this.errors.values()) set(null);
    this.dialog.footNote.textContent = "";
    this.dialog.footNote.className = "dlg-footnote";
  }

  private showError(err: unknown): void {
    if (err instanceof ApiError && typeof err.body.field === "string") {
      const name = matchField(err.body.field, [...this.errors.keys()]);
      if (name) {
        this.errors.get(name)!(err.hint ? `${err.message}\n${err.hint}` : err.message);
        this.preview.fieldError();
        return;
      }
    }
    this.preview.error(message(err), err instanceof ApiError ? err.hint : null);
  }

  private async refresh(): Promise<void> {
    const ticket = this.ticket;
    const action = this.opts.build();
    if (typeof action === "string") {
      this.clearErrors();
      this.preview.idle(action);
      return;
    }
    this.preview.loading();
    try {
      const edit = await authoringApi.preview(action);
      if (ticket !== this.ticket || !this.dialog.isOpen) return;
      this.clearErrors();
      this.preview.show(edit);
      const unsaved = edit.changes.map((c) => c.path).filter((p) => this.authoring.host.isDirty(p));
      if (unsaved.length) {
        this.dialog.footNote.textContent = `Save ${unsaved.join(", ")} first: it has unsaved edits.`;
        this.dialog.footNote.className = "dlg-footnote dlg-footnote-error";
        return;
      }
      this.ok = true;
      this.applyButton.disabled = false;
    } catch (err) {
      if (ticket !== this.ticket || !this.dialog.isOpen) return;
      this.clearErrors();
      this.showError(err);
    }
  }

  async apply(): Promise<void> {
    if (!this.ok || this.applying) return;
    const action = this.opts.build();
    if (typeof action === "string") return;
    this.applying = true;
    this.applyButton.disabled = true;
    this.dialog.el.classList.add("busy");
    try {
      const edit = await authoringApi.apply(action);
      const settled = this.authoring.settle(edit.changes.map((c) => c.path));
      this.dialog.close();
      this.authoring.toast(done(edit.title), edit.notes);
      await settled;
      await this.opts.applied(edit);
    } catch (err) {
      this.clearErrors();
      this.showError(err);
      this.ok = false;
    } finally {
      this.applying = false;
      this.dialog.el.classList.remove("busy");
    }
  }
}

// --- the authoring controller ----------------------------------------------------------------------

export class Authoring {
  catalogue: Catalogue | null = null;
  readonly palette: HTMLElement;
  private readonly paletteBody: HTMLElement;
  private loading: Promise<Catalogue | null> | null = null;
  /** Where the cursor last was in a Python file: where a click-path operation goes. */
  private cursor: SourceRef | null = null;

  constructor(readonly host: AuthoringHost) {
    this.paletteBody = h("div", { class: "palette-body" }, h("div", { class: "muted" }, "loading the catalogue…"));
    this.palette = h(
      "details",
      { class: "palette", open: true, "data-testid": "palette" },
      h("summary", {}, h("span", { class: "palette-title" }, "Add"), h("span", { class: "muted palette-sub" }, "drag onto code or a function")),
      this.paletteBody,
    );
    setSourceOpener((source) => void host.open(source));
    document.addEventListener("tether-cursor", (e) => {
      const { path, line } = (e as CustomEvent).detail as { path: string; line: number };
      if (path.endsWith(".py")) this.cursor = { file: path, line };
    });
  }

  // --- the catalogue and the facts it combines with ---

  load(): Promise<Catalogue | null> {
    if (this.catalogue) return Promise.resolve(this.catalogue);
    this.loading ??= (async () => {
      try {
        this.catalogue = await authoringApi.catalogue();
        this.renderPalette();
        this.host.refreshEditors();
        return this.catalogue;
      } catch (err) {
        this.paletteBody.replaceChildren(
          h("div", { class: "field-error", "data-testid": "palette-error" }, `The catalogue did not load: ${message(err)}`),
          h("button", { class: "mini", onclick: () => void this.load() }, "Retry"),
        );
        return null;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  kind(type: string): CatalogueKind | undefined {
    return this.catalogue?.kinds.find((k) => k.type === type);
  }

  /** The last report that knew the project (while a file does not parse, the server knows
   * no functions: the marks and lists keep the last good picture). */
  private good: ProjectReport | null = null;
  private get report(): ProjectReport {
    const r = this.host.report();
    if (Object.keys(r.functions).length + Object.keys(r.resources).length) this.good = r;
    return this.good ?? r;
  }

  /** The note of the last change, with its Undo (an older note's Undo would undo this one). */
  private undoNote: HTMLElement | null = null;

  /** The note of a change applied, with its Undo and the edit's notes (their file:line links). */
  toast(text: string, notes: string[] = []): void {
    this.undoNote?.remove();
    const body = notes.length
      ? h("ul", { class: "toast-notes", "data-testid": "toast-notes" }, notes.map((n) => h("li", {}, ...linkify(n, (source) => void this.host.open(source)))))
      : undefined;
    this.undoNote = this.host.toast(text, "info", { label: "Undo", testid: "toast-undo", run: () => void this.undo() }, body) || null;
  }

  /** After an edit is written: the open tabs reloaded and the project checked again (the
   * dialogs read settings from the report; one opened right after must see the change). */
  private settling: Promise<void> = Promise.resolve();

  settle(paths: string[]): Promise<void> {
    this.settling = (async () => {
      try {
        if (paths.length) await this.host.reload(paths);
        await this.host.refreshProject();
      } catch {
        // the server's next push brings the project anyway
      }
    })();
    return this.settling;
  }

  async undo(): Promise<void> {
    this.undoNote?.remove();
    this.undoNote = null;
    try {
      const { title } = await authoringApi.undo();
      this.host.toast(`Undone: ${title}`);
      await this.settle([]);
    } catch (err) {
      this.host.toast(message(err), "error");
    }
  }

  /** Functions whose handler is in `path`. */
  functionsIn(path: string): string[] {
    return Object.entries(this.report.functions)
      .filter(([, fn]) => handlerFile(fn.handler) === path)
      .map(([name]) => name);
  }

  private handlersIn(path: string): HandlerInfo[] {
    return Object.entries(this.report.functions)
      .filter(([, fn]) => handlerFile(fn.handler) === path)
      .map(([name, fn]) => ({ function: name, pyName: handlerName(fn.handler), triggers: fn.triggers }));
  }

  /** What a Python tab gets: drops on its lines, the trigger marks, completion. */
  editorExtension(path: string): Extension {
    if (!path.endsWith(".py")) return [];
    return [
      editorAuthoring({
        onDrop: (data, target) => void this.dropOnLine(path, data, target),
        onTriggerMark: (fn, anchor) => this.triggerPopover(fn, anchor),
        dropLabel: (data, target) => this.dropLabel(data, target),
      }),
      tetherCompletion(path, { catalogue: () => this.catalogue, report: () => this.report }),
    ];
  }

  editorEffects(path: string): StateEffect<unknown>[] {
    return path.endsWith(".py") ? [setHandlers.of(this.handlersIn(path))] : [];
  }

  private dropLabel(data: DragData | null, target: DropTarget): string {
    const kind = data ? this.kind(data.type) : undefined;
    const what = data?.name ?? (kind ? `a new ${kind.label}` : "it");
    if (target.handler && (!kind || kind.trigger)) return `trigger ${target.handler} from ${what}`;
    return `call ${what} here`;
  }

  // --- the palette ---

  private renderPalette(): void {
    const catalogue = this.catalogue;
    if (!catalogue) return;
    const tiles = catalogue.kinds.map((kind) => {
      const tile = h(
        "div",
        {
          class: "pal-kind",
          draggable: "true",
          tabindex: 0,
          role: "button",
          "data-testid": `palette-kind-${kind.type}`,
          "data-type": kind.type,
          title: `A new ${kind.label}: drag it onto a line of code to call it, onto a function to trigger it; Enter or click to choose`,
        },
        kindIcon(kind, kind.type),
        h("span", { class: "pal-label" }, kind.label),
      );
      tile.addEventListener("dragstart", (e) => startDrag(e, { name: null, type: kind.type }));
      tile.addEventListener("dragend", endDrag);
      tile.addEventListener("click", () => this.use({ name: null, type: kind.type }));
      tile.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          this.use({ name: null, type: kind.type });
        }
      });
      return tile;
    });
    this.paletteBody.replaceChildren(
      h("div", { class: "pal-kinds" }, ...tiles),
      h(
        "div",
        { class: "pal-foot" },
        h("span", { class: "muted" }, "Resources below drag too."),
        h("button", { class: "mini", "data-testid": "add-function", title: "A new function with its handler file", onclick: () => void this.addFunction() }, "+ Function"),
      ),
    );
  }

  /** Make an element (a resource row of the side panel) a drag source of resource `name`. */
  draggable(el: HTMLElement, name: string, type: string): void {
    el.draggable = true;
    el.addEventListener("dragstart", (e) => startDrag(e, { name, type }));
    el.addEventListener("dragend", endDrag);
  }

  // --- drops and clicks ---

  private refuseUnsaved(paths: string[]): boolean {
    const unsaved = paths.filter((p) => this.host.isDirty(p));
    if (!unsaved.length) return false;
    this.host.toast(`Save ${unsaved.join(", ")} first: it has unsaved edits, and this change rewrites it.`, "error");
    return true;
  }

  private async ready(): Promise<Catalogue | null> {
    await this.settling;
    const catalogue = await this.load();
    if (!catalogue) this.host.toast("The authoring catalogue is not available (see the side panel).", "error");
    return catalogue;
  }

  /** A resource (or a new one of a kind) dropped on line `target.line` of `path`. */
  async dropOnLine(path: string, data: DragData, target: DropTarget): Promise<void> {
    if (this.refuseUnsaved([path, PROJECT_FILE]) || !(await this.ready())) return;
    const kind = this.kind(data.type);
    if (!kind) return void this.host.toast(`Unknown resource type ${data.type}`, "error");
    if (target.handler && kind.trigger) return this.withResource(data, (name) => this.trigger(name, target.handler!));
    if (!kind.operations.length) {
      return void this.host.toast(`Code does not call a ${kind.label}: drop it on a handler's def line or a function to trigger it.`, "error");
    }
    this.withResource(data, (name) => void this.operation(name, path, target.line, null));
  }

  /** A resource dropped on a function (its card in the side panel). */
  async dropOnFunction(fn: string, data: DragData): Promise<void> {
    if (this.refuseUnsaved([PROJECT_FILE]) || !(await this.ready())) return;
    const kind = this.kind(data.type);
    if (!kind?.trigger) return void this.host.toast(`A ${kind?.label ?? data.type} cannot trigger a function.`, "error");
    this.withResource(data, (name) => this.trigger(name, fn));
  }

  /** Go on with `data`'s resource, adding it first when it is a new one of a kind. */
  private withResource(data: DragData, then: (name: string) => void): void {
    if (data.name) then(data.name);
    else void this.addResource(data.type, then);
  }

  /** The click (keyboard) path: choose what to do with a resource or a kind. */
  async use(data: DragData): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue) return;
    const kind = this.kind(data.type);
    if (!kind) return;
    const name = data.name;
    const dialog = new Dialog({
      title: name ? `Use ${name}` : `Add a ${kind.label}`,
      subtitle: name ? kind.label : "",
      testid: "use-dialog",
      narrow: true,
      noPreview: true,
    });
    const functions = Object.keys(this.report.functions);
    const files = [...new Set(Object.values(this.report.functions).map((f) => handlerFile(f.handler)))].sort();
    const cursor = this.cursor;
    if (cursor && !files.includes(cursor.file)) files.unshift(cursor.file);
    const choices: { value: string; el: HTMLElement }[] = [];
    const radio = (value: string, label: string, body: HTMLElement | null) => {
      const input = h("input", { type: "radio", name: "use-choice", value, "data-testid": `use-${value}` });
      const el = h("div", { class: "use-choice" }, h("label", { class: "check" }, input, h("span", {}, label)), body);
      choices.push({ value, el });
      return el;
    };
    const fileSelect = h("select", { "data-testid": "use-file" }, ...files.map((f) => h("option", { value: f }, f)));
    const lineInput = h("input", { type: "number", min: 1, "data-testid": "use-line", class: "line-input" });
    const pickLine = () => {
      if (cursor && cursor.file === fileSelect.value) lineInput.value = String(cursor.line);
      else lineInput.value = "";
    };
    if (cursor) fileSelect.value = cursor.file;
    pickLine();
    fileSelect.addEventListener("change", pickLine);
    const fnSelect = h("select", { "data-testid": "use-function" }, ...functions.map((f) => h("option", { value: f }, f)));
    if (cursor) {
      const here = this.functionsIn(cursor.file)[0];
      if (here) fnSelect.value = here;
    }
    if (kind.operations.length && files.length) {
      dialog.form.append(radio("operation", "Call it from code, at", h("div", { class: "use-where" }, fileSelect, h("span", { class: "muted" }, "line"), lineInput)));
    }
    if (kind.trigger && functions.length) {
      dialog.form.append(radio("trigger", "Trigger a function", h("div", { class: "use-where" }, fnSelect)));
    }
    if (!name) dialog.form.append(radio("add", "Only add it to the project", null));
    if (!choices.length) {
      dialog.form.append(h("p", { class: "muted" }, "Nothing to do with it here."));
    }
    // A kind from the palette is first of all a new resource; a resource goes where the cursor is.
    const preferred = !name ? "add" : cursor && choices.some((c) => c.value === "operation") ? "operation" : choices[0]?.value;
    for (const c of choices) {
      const input = c.el.querySelector("input")!;
      input.checked = c.value === preferred;
      // Using the inputs of a choice chooses it.
      c.el.addEventListener("focusin", (e) => {
        if (e.target !== input) input.checked = true;
      });
    }
    const go = () => {
      const chosen = choices.find((c) => c.el.querySelector("input")!.checked)?.value;
      if (!chosen) return;
      if (chosen === "operation") {
        const line = Number(lineInput.value);
        if (!Number.isInteger(line) || line < 1) {
          lineInput.focus();
          lineInput.classList.add("invalid");
          return;
        }
        dialog.close();
        const file = fileSelect.value;
        if (this.refuseUnsaved([file, PROJECT_FILE])) return;
        this.withResource(data, (res) => void this.operation(res, file, line, null));
      } else if (chosen === "trigger") {
        dialog.close();
        if (this.refuseUnsaved([PROJECT_FILE])) return;
        const fn = fnSelect.value;
        this.withResource(data, (res) => this.trigger(res, fn));
      } else {
        dialog.close();
        void this.addResource(data.type);
      }
    };
    const cont = h("button", { class: "primary", "data-testid": "use-continue", onclick: go }, "Continue…");
    dialog.buttons(h("button", { "data-testid": "dialog-cancel", onclick: () => dialog.close() }, "Cancel"), cont);
    dialog.el.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !(e.target instanceof HTMLButtonElement) && !(e.target instanceof HTMLSelectElement)) {
        e.preventDefault();
        go();
      }
    });
    dialog.open();
    cont.focus();
  }

  // --- add a resource ---

  private suggestName(type: string): string {
    const base = BASE_NAMES[type] ?? type.split(".").pop() ?? "resource";
    const taken = new Set([...Object.keys(this.report.resources), ...Object.keys(this.report.functions)]);
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}${i}`)) return `${base}${i}`;
  }

  /** The add-resource dialog; `then` goes on with the new resource's name once it is applied. */
  async addResource(type: string | null, then?: (name: string) => void): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue || this.refuseUnsaved([PROJECT_FILE])) return;
    let kind = this.kind(type ?? "") ?? catalogue.kinds[0];
    let mode: "new" | "existing" = "new";
    let settings: Control[] = [];
    let picked: string | null = null;
    let nameTouched = false;

    const session = new EditSession(this, {
      title: "Add a resource",
      subtitle: then ? "then use it" : "",
      testid: "resource-dialog",
      applyLabel: then ? "Add and continue" : "Add",
      build: () => {
        const name = nameInput.value.trim();
        if (!name) return "Name the resource to see the change.";
        let external: string | null = null;
        if (mode === "existing") {
          external = externalInput.value.trim() || picked;
          if (!external) return `Pick an existing ${kind.label} or type its ARN or name.`;
        }
        return { action: "add_resource", name, type: kind.type, settings: mode === "new" ? values(settings) : {}, external };
      },
      applied: async () => {
        if (!then) return;
        // The next dialog lists the project's resources: the new one must be among them.
        await this.host.refreshProject();
        then(nameInput.value.trim());
      },
    });
    const changed = () => session.changed();

    const kindSelect = h("select", { "data-testid": "resource-kind" }, ...catalogue.kinds.map((k) => h("option", { value: k.type }, `${k.label}  (${k.type})`)));
    kindSelect.value = kind.type;
    const nameInput = h("input", { type: "text", "data-testid": "resource-name", spellcheck: "false", value: this.suggestName(kind.type), oninput: () => ((nameTouched = true), changed()) });
    const nameRow = row("name", "Name", nameInput, { required: true, help: "How functions and tether.yaml refer to it; its environment variable is derived from it." });
    session.field("name", nameRow.setError);
    session.field("type", () => undefined);
    const modeBox = h("div", { class: "seg mode-seg", "data-testid": "resource-mode", role: "radiogroup" });
    const settingsBox = h("div", { class: "settings-box", "data-testid": "resource-settings" });
    const existingBox = h("div", { class: "existing-box", "data-testid": "resource-existing", hidden: true });
    const externalInput = h("input", { type: "text", "data-testid": "external-input", spellcheck: "false", placeholder: "arn:aws:… or a name", oninput: () => ((picked = null), markPicked(), changed()) });
    const externalRow = row("external", "Or its ARN / name", externalInput, { help: "An external resource is referenced, never created or deleted by a deploy." });
    session.field("external", externalRow.setError);
    const search = h("input", { type: "search", "data-testid": "existing-search", placeholder: "Filter…", oninput: () => renderItems() });
    const list = h("div", { class: "existing-list", role: "listbox", "data-testid": "existing-list" });
    const status = h("div", { class: "existing-status", "data-testid": "existing-status" });
    existingBox.append(h("div", { class: "fld" }, h("label", { class: "fld-label" }, "Existing"), status, search, list), externalRow.el);
    let items: { name: string; arn: string }[] = [];
    let target = "";

    const markPicked = () => {
      for (const el of list.querySelectorAll<HTMLElement>(".existing-item")) {
        el.classList.toggle("picked", el.dataset.arn === picked);
        el.setAttribute("aria-selected", String(el.dataset.arn === picked));
      }
    };
    const renderItems = () => {
      const q = search.value.trim().toLowerCase();
      const shown = items.filter((i) => !q || i.name.toLowerCase().includes(q) || i.arn.toLowerCase().includes(q));
      list.replaceChildren(
        ...shown.map((item) =>
          h(
            "button",
            {
              class: "existing-item",
              role: "option",
              "data-testid": "existing-item",
              "data-arn": item.arn,
              onclick: () => {
                picked = item.arn;
                externalInput.value = "";
                if (!nameTouched) nameInput.value = item.name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^_+|_+$/g, "").toLowerCase() || nameInput.value;
                markPicked();
                changed();
              },
            },
            h("span", { class: "ex-name" }, item.name),
            h("span", { class: "ex-arn muted" }, item.arn),
          ),
        ),
      );
      if (!shown.length && items.length) list.append(h("div", { class: "muted" }, "Nothing matches."));
      markPicked();
    };
    const loadExisting = async () => {
      const asked = kind.type;
      status.className = "existing-status muted";
      status.textContent = "Reading the target…";
      list.replaceChildren();
      try {
        const result = await authoringApi.existing(asked);
        if (asked !== kind.type) return;
        items = result.items;
        target = result.target;
        status.textContent = items.length
          ? `${items.length} ${kind.label}${items.length === 1 ? "" : "s"} on ${target === "local" ? "the local cloud" : "AWS"}`
          : `No ${kind.label} on ${target === "local" ? "the local cloud" : "AWS"}: type its ARN or name below.`;
        renderItems();
      } catch (err) {
        if (asked !== kind.type) return;
        items = [];
        status.className = "existing-status existing-error";
        status.replaceChildren(
          h("div", { "data-testid": "existing-error" }, h("b", {}, message(err)), err instanceof ApiError && err.hint ? h("div", { class: "hint" }, err.hint) : null),
          h("button", { class: "mini", "data-testid": "existing-retry", onclick: () => void loadExisting() }, "Retry"),
        );
      }
    };
    const renderMode = () => {
      modeBox.replaceChildren();
      modeBox.hidden = !kind.may_be_external;
      if (!kind.may_be_external) mode = "new";
      for (const [value, label] of [["new", "New (project)"], ["existing", "Existing (external)"]] as const) {
        modeBox.append(
          h("button", { class: mode === value ? "on" : "", role: "radio", "aria-checked": String(mode === value), "data-testid": `mode-${value}`, onclick: () => { mode = value; renderMode(); changed(); } }, label),
        );
      }
      settingsBox.hidden = mode !== "new";
      existingBox.hidden = mode !== "existing";
      if (mode === "existing" && !items.length) void loadExisting();
    };
    const renderSettings = () => {
      session.forget(settings.map((c) => c.name));
      settings = kind.settings.map((f) => fieldControl(f, changed));
      session.controls(settings);
      settingsBox.replaceChildren(...settings.map((c) => c.el));
      for (const c of settings) if (c.name === "expression") this.scheduleHint(c.el);
    };
    kindSelect.addEventListener("change", () => {
      kind = this.kind(kindSelect.value) ?? kind;
      if (!nameTouched) nameInput.value = this.suggestName(kind.type);
      items = [];
      picked = null;
      renderSettings();
      renderMode();
      changed();
    });
    renderSettings();
    renderMode();
    session.dialog.form.append(
      row("type", "Kind", h("div", { class: "kind-pick" }, kindIcon(kind, kind.type), kindSelect)).el,
      nameRow.el,
      modeBox,
      settingsBox,
      existingBox,
    );
    kindSelect.addEventListener("change", () => session.dialog.form.querySelector(".kind-pick .ico")?.replaceWith(kindIcon(kind, kind.type)));
    session.open();
    nameInput.focus();
    nameInput.select();
  }

  /** Under a schedule expression input: whether it parses and when it fires next. */
  private scheduleHint(fieldEl: HTMLElement, fixed?: string): HTMLElement {
    const out = h("div", { class: "schedule-next", "data-testid": "schedule-next" });
    const input = fieldEl.querySelector<HTMLInputElement>("input");
    let timer: number | undefined;
    let asked = 0;
    const check = async () => {
      const expression = (fixed ?? input?.value ?? "").trim() || String(input?.placeholder ?? "");
      if (!expression) {
        out.replaceChildren();
        return;
      }
      const ticket = ++asked;
      try {
        const r = await authoringApi.schedule(expression);
        if (ticket !== asked) return;
        out.replaceChildren(
          r.valid
            ? h("div", { class: "fires" }, h("span", { class: "muted" }, "Fires next"), h("ol", {}, ...r.next.slice(0, 3).map((n) => h("li", { class: "fire", "data-testid": "schedule-fire" }, when(n)))))
            : h("div", { class: "field-error" }, r.message ?? "not a schedule expression", r.hint ? h("span", { class: "hint" }, ` ${r.hint}`) : null),
        );
      } catch (err) {
        if (ticket === asked) out.replaceChildren(h("div", { class: "field-error" }, message(err)));
      }
    };
    input?.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void check(), PREVIEW_PAUSE_MS);
    });
    fieldEl.append(out);
    void check();
    return out;
  }

  // --- add an operation ---

  /** The operation dialog for `file`:`line`, with `resource` chosen. */
  async operation(resource: string, file: string, line: number, fn: string | null): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue || this.refuseUnsaved([file])) return;
    const report = this.report;
    const callable = Object.keys(report.resources)
      .filter((n) => (this.kind(report.resources[n].type)?.operations.length ?? 0) > 0)
      .sort();
    if (!callable.includes(resource) && report.resources[resource]) callable.unshift(resource);
    const here = this.functionsIn(file);
    let kind: CatalogueKind | undefined;
    let op: CatalogueOperation | undefined;
    let params: { name: string; input: HTMLInputElement; setError: (m: string | null) => void }[] = [];

    const lineInput = h("input", { type: "number", min: 1, class: "line-input", "data-testid": "operation-line", value: String(line), oninput: () => changed() });
    const session = new EditSession(this, {
      title: "Call a resource from code",
      subtitle: `${file}:${line}`,
      testid: "operation-dialog",
      applyLabel: "Apply",
      build: () => {
        if (!op) return `Choose an operation on ${resSelect.value || "a resource"}.`;
        const at = Number(lineInput.value);
        if (!Number.isInteger(at) || at < 1) return "Give the line to insert at.";
        const values: Record<string, string> = {};
        for (const p of params) if (p.input.value.trim()) values[p.name] = p.input.value.trim();
        return { action: "add_operation", function: fnSelect.value || null, resource: resSelect.value, operation: op.id, file, line: at, params: values };
      },
      applied: async (edit) => {
        const where = edit.where ?? { file, line: Number(lineInput.value) };
        await this.host.open(where);
      },
    });
    const changed = () => {
      session.dialog.subtitle = `${file}:${lineInput.value}`;
      session.changed();
    };

    const resSelect = h("select", { "data-testid": "operation-resource" }, ...callable.map((n) => h("option", { value: n }, `${n}  (${report.resources[n].type}${report.resources[n].external ? ", external" : ""})`)));
    resSelect.value = resource;
    const fnSelect = h("select", { "data-testid": "operation-function" });
    const fnChoices = here.length ? here : Object.keys(report.functions);
    if (here.length !== 1) fnSelect.append(h("option", { value: "" }, here.length ? "— choose —" : "— the function whose handler this file is —"));
    fnSelect.append(...fnChoices.map((n) => h("option", { value: n }, n)));
    fnSelect.value = fn ?? (here.length === 1 ? here[0] : "");
    const opSelect = h("select", { "data-testid": "operation-select" });
    const opInfo = h("div", { class: "op-info", "data-testid": "operation-info" });
    const paramsBox = h("div", { class: "params", "data-testid": "operation-params" });
    const listId = `event-values-${Math.random().toString(36).slice(2)}`;
    const datalist = h("datalist", { id: listId, "data-testid": "event-values" });

    const fillDatalist = () => {
      const fns = fnSelect.value ? [fnSelect.value] : here;
      const kinds = new Set(fns.flatMap((n) => report.functions[n]?.triggers.map((t) => t.kind) ?? []));
      const seen = new Set<string>();
      datalist.replaceChildren();
      for (const k of kinds) {
        for (const v of catalogue.event_values[k] ?? []) {
          if (seen.has(v.expr)) continue;
          seen.add(v.expr);
          datalist.append(h("option", { value: v.expr, label: v.label }));
        }
      }
    };
    const paramRow = (p: { name: string; required: boolean; default: string | null; help: string }, removable: boolean) => {
      const input = h("input", { type: "text", class: "expr", list: listId, "data-testid": `param-${p.name}`, spellcheck: "false", placeholder: p.default ?? "a Python expression", oninput: () => changed() });
      if (p.default != null) input.value = p.default;
      const remove = removable
        ? h("button", { class: "mini icon", title: `Leave ${p.name} out`, "aria-label": `Remove ${p.name}`, "data-testid": `param-remove-${p.name}`, onclick: () => { params = params.filter((x) => x.name !== p.name); session.forget([p.name]); r.el.remove(); renderAdd(); changed(); } }, "×")
        : null;
      const r = row(p.name, p.name, [input], { help: p.help, required: p.required, extra: remove });
      params.push({ name: p.name, input, setError: r.setError });
      session.field(p.name, r.setError);
      return r.el;
    };
    const addBox = h("div", { class: "param-add" });
    const renderAdd = () => {
      const optional = (op?.params ?? []).filter((p) => !p.required && !params.some((x) => x.name === p.name));
      addBox.replaceChildren();
      if (!optional.length) return;
      const pick = h("select", { "data-testid": "param-add", "aria-label": "Add an optional parameter" }, h("option", { value: "" }, "+ optional parameter…"), ...optional.map((p) => h("option", { value: p.name, title: p.help }, p.name)));
      pick.addEventListener("change", () => {
        const p = optional.find((x) => x.name === pick.value);
        if (!p) return;
        const el = paramRow(p, true);
        addBox.before(el);
        renderAdd();
        el.querySelector("input")?.focus();
        changed();
      });
      addBox.append(pick);
    };
    const renderOp = () => {
      op = kind?.operations.find((o) => o.id === opSelect.value);
      session.forget(params.map((p) => p.name));
      params = [];
      opInfo.replaceChildren(
        ...(op
          ? [
              h("div", { class: "actions" }, ...op.actions.map((a) => h("code", { class: "iam", "data-testid": "operation-action" }, a))),
              ...(op.help ? [h("div", { class: "fld-help" }, op.help)] : []),
            ]
          : []),
      );
      const required = (op?.params ?? []).filter((p) => p.required);
      paramsBox.replaceChildren(
        h("div", { class: "fld-label section-label" }, "Parameters", h("span", { class: "muted" }, "  Python expressions; the event's values are offered")),
        ...required.map((p) => paramRow(p, false)),
        addBox,
      );
      renderAdd();
      if (!op) paramsBox.replaceChildren();
    };
    const renderResource = () => {
      const type = report.resources[resSelect.value]?.type ?? "";
      const previous = opSelect.value;
      kind = this.kind(type);
      opSelect.replaceChildren(
        h("option", { value: "" }, kind?.operations.length ? "— choose an operation —" : "— none —"),
        ...(kind?.operations ?? []).map((o) => h("option", { value: o.id, title: o.help }, `${o.label} · ${o.actions.join(", ")}`)),
      );
      if (kind?.operations.some((o) => o.id === previous)) opSelect.value = previous;
      else if (kind?.operations.length === 1) opSelect.value = kind.operations[0].id;
      renderOp();
    };
    resSelect.addEventListener("change", () => (renderResource(), changed()));
    opSelect.addEventListener("change", () => (renderOp(), changed()));
    fnSelect.addEventListener("change", () => (fillDatalist(), changed()));
    const resRow = row("resource", "Resource", resSelect, { required: true });
    const fnRow = row("function", "Function", fnSelect, { help: here.length ? "" : `${file} is no function's handler module: choose the function that runs this code.` });
    const opRow = row("operation", "Operation", [opSelect], { required: true, extra: opInfo });
    const lineRow = row("line", "Insert before line", lineInput, { help: `in ${file}` });
    for (const [name, r] of [["resource", resRow], ["function", fnRow], ["operation", opRow], ["line", lineRow]] as const) session.field(name, r.setError);
    session.dialog.form.append(resRow.el, opRow.el, paramsBox, fnRow.el, lineRow.el, datalist);
    fillDatalist();
    renderResource();
    session.open();
    opSelect.focus();
  }

  // --- add or edit a trigger ---

  trigger(resource: string | null, fn: string): void {
    void this.triggerDialog(resource, fn, null);
  }

  /** The edit dialog of `fn`'s `index`th trigger (0-based, as the report lists them). */
  editTrigger(fn: string, index: number): void {
    if (this.refuseUnsaved([PROJECT_FILE])) return;
    const t = this.report.functions[fn]?.triggers[index];
    if (!t) return void this.host.toast(`${fn} has no trigger #${index + 1} any more`, "error");
    void this.triggerDialog(t.resource, fn, { index, trigger: t });
  }

  /** The settings a kind of trigger takes (an SNS or schedule trigger takes none). */
  private triggerFields(t: Trigger): Field[] {
    const kind = this.kind(this.report.resources[t.resource]?.type ?? "");
    if (kind?.trigger?.kind === t.kind) return kind.trigger.settings;
    return this.catalogue?.kinds.find((k) => k.trigger?.kind === t.kind)?.trigger?.settings ?? [];
  }

  /** Whether a trigger of this kind has settings to edit (yes while the catalogue is loading). */
  triggerEditable(t: Trigger): boolean {
    return !this.catalogue || this.triggerFields(t).length > 0;
  }

  /** A trigger's settings as tether.yaml has them, read at the line the report names (or, if
   * that line holds no map of this trigger, found by its place under the function). */
  private async triggerSettings(fn: string, index: number, t: Trigger): Promise<YamlMap | null> {
    const at = parseSource(t.source);
    const file = at?.file ?? PROJECT_FILE;
    let text: string;
    try {
      text = (await api.readFile(file)).content;
    } catch {
      return null;
    }
    const ours = (m: YamlMap | null | undefined): m is YamlMap => Boolean(m) && m!.resource === t.resource;
    if (at) {
      // A flow list holds several triggers on one line: this one is the nth of them.
      const triggers = this.report.functions[fn]?.triggers ?? [];
      const position = triggers.slice(0, index).filter((o) => o.source === t.source).length;
      const found = triggerAt(text, at.line, position);
      if (ours(found)) return found;
    }
    const listed = file === PROJECT_FILE ? entry(text, "functions", fn)?.triggers : undefined;
    const found = Array.isArray(listed) ? listed[index] : undefined;
    return found && typeof found === "object" && !Array.isArray(found) && ours(found) ? found : null;
  }

  private async triggerDialog(resource: string | null, fn: string, edit: { index: number; trigger: Trigger } | null): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue || this.refuseUnsaved([PROJECT_FILE])) return;
    const report = this.report;
    const able = Object.keys(report.resources)
      .filter((n) => this.kind(report.resources[n].type)?.trigger)
      .sort();
    // An edit starts from the trigger's settings as written (unreadable: from the defaults).
    const current = edit ? await this.triggerSettings(fn, edit.index, edit.trigger) : null;
    let settings: Control[] = [];
    let kind: CatalogueKind | undefined;
    const session = new EditSession(this, {
      title: edit ? "Edit a trigger" : "Trigger a function",
      subtitle: `${fn}`,
      testid: "trigger-dialog",
      applyLabel: "Apply",
      build: () => {
        if (!resSelect.value) return "Choose the resource whose events run the function.";
        if (edit) {
          const changed = values(settings);
          if (!Object.keys(changed).length) return settings.length ? "Change a setting to see the change." : "This trigger has no settings to change.";
          return { action: "set_trigger", function: fn, index: edit.index, settings: changed };
        }
        return { action: "add_trigger", function: fnSelect.value, resource: resSelect.value, settings: values(settings) };
      },
      applied: () => undefined,
    });
    session.dialog.el.dataset.mode = edit ? "edit" : "add";
    const changed = () => {
      session.dialog.subtitle = `${resSelect.value || "?"} → ${fnSelect.value}`;
      session.changed();
    };
    const fnSelect = h("select", { "data-testid": "trigger-function", disabled: Boolean(edit) }, ...Object.keys(report.functions).map((n) => h("option", { value: n }, n)));
    fnSelect.value = fn;
    const resSelect = h("select", { "data-testid": "trigger-resource", disabled: Boolean(edit) }, h("option", { value: "" }, "— choose —"), ...able.map((n) => h("option", { value: n }, `${n}  (${report.resources[n].type})`)));
    if (edit && !able.includes(edit.trigger.resource)) resSelect.append(h("option", { value: edit.trigger.resource }, edit.trigger.resource));
    if (resource) resSelect.value = resource;
    const settingsBox = h("div", { class: "settings-box", "data-testid": "trigger-settings" });
    const renderSettings = () => {
      kind = this.kind(report.resources[resSelect.value]?.type ?? "");
      session.forget(settings.map((c) => c.name));
      const fields = edit ? this.triggerFields(edit.trigger) : (kind?.trigger?.settings ?? []);
      settings = fields.map((f) => (edit ? fieldControl(f, changed, initialOf(current?.[f.name], f)) : fieldControl(f, changed)));
      session.controls(settings);
      settingsBox.replaceChildren(...settings.map((c) => c.el));
      if (kind?.type === "schedule") {
        const expression = report.resources[resSelect.value]?.settings?.expression ?? "";
        const box = h(
          "div",
          { class: "fld", "data-testid": "trigger-schedule" },
          h("label", { class: "fld-label" }, "Schedule"),
          h("code", { class: "expr-shown", "data-testid": "schedule-expression" }, expression || "(its expression is not known)"),
        );
        settingsBox.prepend(box);
        if (expression) this.scheduleHint(box, expression);
      }
      if (!settings.length && kind?.type !== "schedule" && kind) settingsBox.append(h("p", { class: "muted" }, "No settings for this trigger."));
    };
    resSelect.addEventListener("change", () => (renderSettings(), changed()));
    fnSelect.addEventListener("change", changed);
    const fnRow = row("function", "Function", fnSelect, { required: true });
    const resRow = row("resource", "Resource", resSelect, { required: true, help: edit ? "To trigger from another resource, remove this trigger and add one." : "Its events run the function." });
    session.field("function", fnRow.setError);
    session.field("resource", resRow.setError);
    session.field("index", resRow.setError);
    session.dialog.form.append(resRow.el, fnRow.el, settingsBox);
    if (edit) {
      const at = parseSource(edit.trigger.source);
      const where = at ? `${at.file}:${at.line}` : PROJECT_FILE;
      session.dialog.form.append(
        h(
          "p",
          { class: "fld-help trigger-source", "data-testid": "trigger-current" },
          current
            ? ["The current settings, as ", ...linkify(where, (source) => (session.dialog.close(), void this.host.open(source))), " has them. A cleared field goes back to its default."]
            : [`The current settings could not be read from ${where}: the fields show the defaults; only what you change is written.`],
        ),
      );
    }
    renderSettings();
    session.dialog.subtitle = `${resSelect.value || "?"} → ${fnSelect.value}`;
    session.open();
    (settings[0]?.el.querySelector<HTMLElement>("input, select") ?? (edit ? session.dialog.el : resSelect)).focus();
  }

  // --- removing, renaming, settings ---

  /** A dialog with no form: the preview of a fixed action, and a button to do it. */
  private confirm(title: string, subtitle: string, testid: string, applyLabel: string, action: AuthoringAction, applied: (edit: Edit) => void = () => undefined): void {
    const session = new EditSession(this, { title, subtitle, testid, applyLabel, danger: true, build: () => action, applied });
    session.dialog.el.classList.add("dlg-confirm");
    session.dialog.form.remove();
    session.open();
    session.applyButton.focus();
  }

  removeTrigger(fn: string, index: number): void {
    if (this.refuseUnsaved([PROJECT_FILE])) return;
    const t = this.report.functions[fn]?.triggers[index];
    this.confirm("Remove a trigger", t ? `${t.resource} → ${fn}` : fn, "remove-trigger-dialog", "Remove", { action: "remove_trigger", function: fn, index });
  }

  removeResource(name: string): void {
    if (this.refuseUnsaved([PROJECT_FILE])) return;
    this.confirm("Remove a resource", name, "remove-resource-dialog", "Remove", { action: "remove_resource", name });
  }

  removeFunction(name: string): void {
    if (this.refuseUnsaved([PROJECT_FILE])) return;
    this.confirm("Remove a function", name, "remove-function-dialog", "Remove", { action: "remove_function", name });
  }

  renameResource(name: string): void {
    if (this.refuseUnsaved([PROJECT_FILE])) return;
    const input = h("input", { type: "text", "data-testid": "rename-input", spellcheck: "false", value: name });
    const session = new EditSession(this, {
      title: "Rename a resource",
      subtitle: name,
      testid: "rename-dialog",
      applyLabel: "Rename",
      build: () => {
        const next = input.value.trim();
        if (!next || next === name) return "Type the new name to see the change.";
        return { action: "rename_resource", name, new: next };
      },
      applied: () => undefined,
    });
    input.addEventListener("input", () => session.changed());
    const r = row("new", "New name", input, { required: true, help: "Code that reads the old environment variable is listed in the preview, to change by hand." });
    session.field("new", r.setError);
    session.field("name", r.setError);
    session.dialog.form.append(r.el);
    session.open();
    input.focus();
    input.select();
  }

  async functionSettings(fn: string): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue || this.refuseUnsaved([PROJECT_FILE])) return;
    // The report has the function's settings as the project resolves them.
    const info = this.report.functions[fn];
    if (!info) return void this.host.toast(`The project has no function ${fn} any more`, "error");
    const current: Record<string, unknown> = { ...info };
    const session = new EditSession(this, {
      title: "Function settings",
      subtitle: fn,
      testid: "function-dialog",
      applyLabel: "Apply",
      build: () => {
        const settings = values(controls);
        const environment: Record<string, string | null> = {};
        for (const r of envRows) {
          const key = r.key();
          if (!key) continue;
          if (r.removed) {
            if (r.original !== null) environment[key] = null;
          } else if (r.value.value !== r.original) environment[key] = r.value.value;
        }
        if (!Object.keys(settings).length && !Object.keys(environment).length) return "Change a setting to see the change.";
        return { action: "set_function", function: fn, settings, environment };
      },
      applied: () => undefined,
    });
    const changed = () => session.changed();
    const controls = catalogue.function_settings.map((f) => fieldControl(f, changed, currentOf(current[f.name], f)));
    session.controls(controls);

    interface EnvRow {
      el: HTMLElement;
      key: () => string;
      value: HTMLInputElement;
      original: string | null;
      removed: boolean;
    }
    const envRows: EnvRow[] = [];
    const envList = h("div", { class: "env-rows", "data-testid": "env-rows" });
    const addEnvRow = (key: string | null, value: string) => {
      const keyEl = key === null ? h("input", { type: "text", class: "env-key", placeholder: "NAME", spellcheck: "false", "data-testid": "env-key", oninput: changed }) : h("code", { class: "env-key" }, key);
      const valueEl = h("input", { type: "text", class: "env-value", spellcheck: "false", value, "data-testid": `env-value${key ? `-${key}` : ""}`, oninput: changed });
      const r: EnvRow = {
        el: h("div", { class: "env-row" }),
        key: () => (key ?? (keyEl as HTMLInputElement).value).trim(),
        value: valueEl,
        original: key === null ? null : value,
        removed: false,
      };
      const remove = h("button", {
        class: "mini icon",
        title: "Remove this variable",
        "aria-label": "Remove this variable",
        "data-testid": "env-remove",
        onclick: () => {
          if (key === null) {
            envRows.splice(envRows.indexOf(r), 1);
            r.el.remove();
          } else {
            r.removed = !r.removed;
            r.el.classList.toggle("removed", r.removed);
            valueEl.disabled = r.removed;
            remove.textContent = r.removed ? "↺" : "×";
          }
          changed();
        },
      }, "×");
      r.el.append(keyEl, h("span", { class: "muted" }, "="), valueEl, remove);
      envRows.push(r);
      envList.append(r.el);
      return r;
    };
    for (const [k, v] of Object.entries(info.environment ?? {})) addEnvRow(k, typeof v === "string" ? v : JSON.stringify(v));
    const addEnv = h("button", { class: "mini", "data-testid": "env-add", onclick: () => (addEnvRow(null, "").el.querySelector("input")?.focus()) }, "+ variable");
    session.dialog.form.append(
      ...controls.map((c) => c.el),
      h("div", { class: "fld", "data-testid": "field-environment" }, h("label", { class: "fld-label" }, "Environment variables"), envList, addEnv, h("div", { class: "fld-help" }, "Besides those Tether sets for the resources the function uses.")),
    );
    session.field("environment", (m) => {
      envList.classList.toggle("invalid", Boolean(m));
      if (m) this.host.toast(m, "error");
    });
    session.open();
  }

  /** A project resource's settings (as the add dialog has them), from the project report. */
  async resourceSettings(name: string): Promise<void> {
    const catalogue = await this.ready();
    const kind = this.kind(this.report.resources[name]?.type ?? "");
    if (!catalogue || !kind || this.refuseUnsaved([PROJECT_FILE])) return;
    const current = this.report.resources[name]?.settings ?? {};
    const session = new EditSession(this, {
      title: "Resource settings",
      subtitle: `${name} · ${kind.label}`,
      testid: "resource-settings-dialog",
      applyLabel: "Apply",
      build: () => {
        const settings = values(controls);
        if (!Object.keys(settings).length) return "Change a setting to see the change.";
        return { action: "set_resource", name, settings };
      },
      applied: () => undefined,
    });
    const controls = kind.settings.map((f) => fieldControl(f, () => session.changed(), currentOf(current[f.name], f)));
    session.controls(controls);
    session.dialog.form.append(...controls.map((c) => c.el));
    for (const c of controls) if (c.name === "expression") this.scheduleHint(c.el);
    session.open();
  }

  async addFunction(): Promise<void> {
    const catalogue = await this.ready();
    if (!catalogue || this.refuseUnsaved([PROJECT_FILE])) return;
    const taken = new Set(Object.keys(this.report.functions));
    let base = "handler";
    for (let i = 2; taken.has(base); i++) base = `handler${i}`;
    let handlerTouched = false;
    const nameInput = h("input", { type: "text", "data-testid": "function-name", spellcheck: "false", value: base });
    const handlerInput = h("input", { type: "text", "data-testid": "function-handler", spellcheck: "false", value: `app/${base}.handler` });
    const session = new EditSession(this, {
      title: "Add a function",
      testid: "add-function-dialog",
      applyLabel: "Add",
      build: () => {
        const name = nameInput.value.trim();
        if (!name) return "Name the function to see the change.";
        return { action: "add_function", name, handler: handlerInput.value.trim(), settings: values(controls) };
      },
      applied: (edit) => {
        if (edit.where) void this.host.open(edit.where);
      },
    });
    const changed = () => session.changed();
    nameInput.addEventListener("input", () => {
      if (!handlerTouched) handlerInput.value = `app/${nameInput.value.trim() || "name"}.handler`;
      changed();
    });
    handlerInput.addEventListener("input", () => ((handlerTouched = true), changed()));
    const controls = catalogue.function_settings.map((f) => fieldControl(f, changed));
    session.controls(controls);
    const nameRow = row("name", "Name", nameInput, { required: true });
    const handlerRow = row("handler", "Handler", handlerInput, { required: true, help: "module path . function name; a missing file is created with a handler to fill in." });
    session.field("name", nameRow.setError);
    session.field("handler", handlerRow.setError);
    session.dialog.form.append(nameRow.el, handlerRow.el, ...controls.map((c) => c.el));
    session.open();
    nameInput.focus();
    nameInput.select();
  }

  // --- menus and popovers ---

  /** The popover of a handler's trigger mark: its triggers, each removable, and adding one. */
  triggerPopover(fn: string, anchor: HTMLElement): void {
    // Right after a change, the list waits for the project as it is now.
    void this.settling.then(() => {
      // (the mark may have been drawn again meanwhile: the one of this function now)
      const mark = anchor.isConnected ? anchor : document.querySelector<HTMLElement>(`.editor-pane:not([hidden]) [data-testid=trigger-mark][data-function="${CSS.escape(fn)}"]`);
      if (mark) this.showTriggerPopover(fn, mark);
    });
  }

  private showTriggerPopover(fn: string, anchor: HTMLElement): void {
    const info = this.report.functions[fn];
    if (!info || dialogOpen()) return;
    const able = Object.keys(this.report.resources)
      .filter((n) => this.kind(this.report.resources[n].type)?.trigger)
      .sort();
    const pick = h("select", { "data-testid": "trigger-add-resource", "aria-label": "Resource" }, h("option", { value: "" }, "a resource…"), ...able.map((n) => h("option", { value: n }, n)));
    let pop: { close: () => void } | null = null;
    const add = h("button", {
      class: "mini primary",
      "data-testid": "trigger-add",
      onclick: () => {
        pop?.close();
        if (this.refuseUnsaved([PROJECT_FILE])) return;
        this.trigger(pick.value || null, fn);
      },
    }, "+ Add trigger");
    pop = popover(
      anchor,
      [
        h("div", { class: "pop-title" }, h("span", { class: "badge badge-fn" }, "λ"), ` ${fn}`, h("span", { class: "muted" }, ` · ${info.handler}`)),
        info.triggers.length
          ? h(
              "ul",
              { class: "pop-triggers", "data-testid": "trigger-list" },
              info.triggers.map((t, i) =>
                h(
                  "li",
                  { "data-testid": "trigger-item", "data-resource": t.resource },
                  kindIcon(this.kind(this.report.resources[t.resource]?.type ?? ""), this.report.resources[t.resource]?.type ?? "?"),
                  h("span", { class: "pop-trigger-text" }, h("b", {}, t.resource), " ", h("span", { class: "muted" }, t.description)),
                  this.triggerEditable(t)
                    ? h("button", { class: "mini", "data-testid": "trigger-edit", title: "Change this trigger's settings", onclick: () => (pop?.close(), this.editTrigger(fn, i)) }, "Edit")
                    : null,
                  h("button", { class: "mini danger", "data-testid": "trigger-remove", onclick: () => (pop?.close(), this.removeTrigger(fn, i)) }, "Remove"),
                ),
              ),
            )
          : h("p", { class: "muted pop-empty", "data-testid": "trigger-none" }, "No trigger: only a direct invoke runs this function."),
        h("div", { class: "pop-add" }, pick, add),
      ],
      "trigger-popover",
    );
  }

  resourceMenu(name: string, anchor: HTMLElement): void {
    const resource = this.report.resources[name];
    const type = resource?.type ?? "";
    const settable = !resource?.external && (this.kind(type)?.settings.length ?? 0) > 0;
    menu(
      anchor,
      [
        { label: "Use in code or as a trigger…", testid: "menu-use", run: () => void this.use({ name, type }) },
        ...(settable ? [{ label: "Settings…", testid: "menu-settings", run: () => void this.resourceSettings(name) }] : []),
        { label: "Rename…", testid: "menu-rename", run: () => this.renameResource(name) },
        { label: "Remove…", testid: "menu-remove", danger: true, run: () => this.removeResource(name) },
      ],
      "resource-menu",
    );
  }

  functionMenu(fn: string, anchor: HTMLElement): void {
    menu(
      anchor,
      [
        { label: "Settings…", testid: "menu-settings", run: () => void this.functionSettings(fn) },
        { label: "Add a trigger…", testid: "menu-add-trigger", run: () => this.refuseUnsaved([PROJECT_FILE]) || this.trigger(null, fn) },
        { label: "Remove function…", testid: "menu-remove-function", danger: true, run: () => this.removeFunction(fn) },
      ],
      "function-menu",
    );
  }
}
