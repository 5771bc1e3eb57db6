// The center of the IDE: tabs over CodeMirror editors (one view per open file, so each keeps its
// own undo history, selection and scroll) and the graph view as a pinned first tab. Saves carry
// the version a file was opened at, so the server refuses to overwrite edits made on disk.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import { yaml } from "@codemirror/lang-yaml";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { type Diagnostic, lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import {
  Annotation,
  EditorState,
  type Extension,
  RangeSet,
  StateEffect,
  StateField,
  type Text,
} from "@codemirror/state";
import {
  crosshairCursor,
  drawSelection,
  dropCursor,
  EditorView,
  GutterMarker,
  gutter,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
} from "@codemirror/view";

import { api, ApiError } from "./api";
import { h } from "./dom";
import type { Marker, Problem } from "./types";

export const GRAPH_TAB = "::graph";

/** A transaction that loads text from disk: not a user edit, so no re-check is scheduled. */
const fromDisk = Annotation.define<boolean>();

// --- operation markers in the gutter -------------------------------------------------------

const setMarkers = StateEffect.define<Marker[]>();

class OperationMarker extends GutterMarker {
  constructor(readonly markers: Marker[]) {
    super();
  }
  eq(other: OperationMarker): boolean {
    return JSON.stringify(other.markers) === JSON.stringify(this.markers);
  }
  toDOM(): Node {
    const lines = this.markers.map((m) => `${m.resource}: ${m.actions.join(", ")} (${m.function})`);
    const marker = h(
      "span",
      {
        class: "op-marker",
        "data-testid": "op-marker",
        "data-resource": this.markers.map((m) => m.resource).join(" "),
        "aria-label": lines.join("; "),
      },
      "⚡",
    );
    // The tooltip lives in the page, not in the gutter (which clips what overflows it).
    let tip: HTMLElement | null = null;
    marker.addEventListener("mouseenter", () => {
      tip = h(
        "div",
        { class: "op-tip", role: "tooltip", "data-testid": "op-tooltip" },
        h("div", { class: "op-tip-title" }, "Operations found in this line"),
        ...this.markers.map((m) =>
          h("div", {}, h("b", {}, m.resource), " ", h("span", { class: "op-actions" }, m.actions.join(", ")), h("span", { class: "op-fn" }, ` · ${m.function}`)),
        ),
      );
      const box = marker.getBoundingClientRect();
      tip.style.left = `${box.right + 6}px`;
      tip.style.top = `${box.top - 4}px`;
      document.body.append(tip);
    });
    marker.addEventListener("mouseleave", () => {
      tip?.remove();
      tip = null;
    });
    return marker;
  }
  destroy(dom: Node): void {
    dom.dispatchEvent(new MouseEvent("mouseleave"));
  }
}

const markerField = StateField.define<RangeSet<GutterMarker>>({
  create: () => RangeSet.empty,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setMarkers)) continue;
      const byLine = new Map<number, Marker[]>();
      for (const m of effect.value) {
        if (m.line < 1 || m.line > tr.state.doc.lines) continue;
        byLine.set(m.line, [...(byLine.get(m.line) ?? []), m]);
      }
      const ranges = [...byLine.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([line, ms]) => new OperationMarker(ms).range(tr.state.doc.line(line).from));
      value = RangeSet.of(ranges);
    }
    return value;
  },
});

const operationGutter: Extension = [
  markerField,
  gutter({
    class: "cm-op-gutter",
    markers: (view) => view.state.field(markerField),
    initialSpacer: () => new OperationMarker([]),
  }),
];

// --- tabs ----------------------------------------------------------------------------------

type NoticeKind = "conflict" | "disk" | "deleted" | "error";

interface Notice {
  kind: NoticeKind;
  message: string;
  actions: { label: string; run: () => void; testid: string }[];
}

interface Tab {
  path: string;
  view: EditorView;
  version: string | null;
  savedDoc: Text;
  dirty: boolean;
  notice: Notice | null;
  saving: Promise<void> | null;
  tabEl: HTMLElement;
  paneEl: HTMLElement;
}

export interface WorkbenchHost {
  /** A buffer's text changed by the user (debounced re-checks run on the unsaved texts). */
  onEdit(path: string): void;
  /** A file was saved (the server will re-check and push "project"). */
  onSaved(path: string): void;
  /** The visible tab changed (GRAPH_TAB or a path). */
  onActivate(key: string): void;
  /** Problems and markers for a file, from the last check. */
  diagnosticsFor(path: string): { problems: Problem[]; markers: Marker[] };
  toast(message: string, kind?: "info" | "error"): void;
  /** More for a file's editor (authoring: drops, trigger marks, completion). */
  extensions?(path: string): Extension;
  /** Effects dispatched with each refresh of the diagnostics (authoring's handler marks). */
  effects?(path: string): StateEffect<unknown>[];
}

function languageFor(path: string): Extension {
  if (path.endsWith(".py") || path.endsWith(".pyi")) return python();
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return yaml();
  return [];
}

export function toDiagnostics(doc: Text, problems: Problem[]): Diagnostic[] {
  const result: Diagnostic[] = [];
  for (const p of problems) {
    const lineNo = Math.min(Math.max(p.line ?? 1, 1), doc.lines);
    const line = doc.line(lineNo);
    const column = Math.max((p.column ?? 1) - 1, 0);
    let from = Math.min(line.from + column, line.to);
    let to = line.to;
    if (p.end_line && p.end_line > lineNo && p.end_line <= doc.lines) to = doc.line(p.end_line).to;
    if (from >= to) {
      // An empty range still shows in the gutter; underline the whole line when there is one.
      from = line.from;
      to = line.to;
    }
    result.push({
      from,
      to,
      severity: p.severity === "info" ? "info" : p.severity,
      message: p.hint ? `${p.message}\nHint: ${p.hint}` : p.message,
      source: "tether",
    });
  }
  return result;
}

export class Workbench {
  private tabs = new Map<string, Tab>();
  private active: string = GRAPH_TAB;
  private readonly tabBar: HTMLElement;
  private readonly graphTabEl: HTMLElement;
  private readonly noticeEl: HTMLElement;
  private readonly body: HTMLElement;

  constructor(
    readonly root: HTMLElement,
    readonly graphPane: HTMLElement,
    private readonly host: WorkbenchHost,
  ) {
    this.graphTabEl = h(
      "div",
      { class: "tab pinned", "data-testid": "tab-graph", title: "The project as a graph", onclick: () => this.activate(GRAPH_TAB) },
      h("span", { class: "tab-label" }, "◇ Graph"),
    );
    this.tabBar = h("div", { class: "tabbar", role: "tablist", "data-testid": "tabs" }, this.graphTabEl);
    this.noticeEl = h("div", { class: "notice", hidden: true, "data-testid": "editor-notice" });
    this.body = h("div", { class: "editor-body", "data-testid": "editor" }, graphPane);
    root.append(this.tabBar, this.noticeEl, this.body);
    this.render();
  }

  get activeKey(): string {
    return this.active;
  }

  openPaths(): string[] {
    return [...this.tabs.keys()];
  }

  /** Texts of every tab with unsaved edits: what a check on the unsaved text sends. */
  unsaved(): Record<string, string> {
    const result: Record<string, string> = {};
    for (const tab of this.tabs.values()) if (tab.dirty) result[tab.path] = tab.view.state.doc.toString();
    return result;
  }

  hasUnsaved(): boolean {
    return [...this.tabs.values()].some((t) => t.dirty);
  }

  /** The open tab of `path` has unsaved edits. */
  isDirty(path: string): boolean {
    return this.tabs.get(path)?.dirty ?? false;
  }

  async open(path: string, line?: number): Promise<void> {
    let tab = this.tabs.get(path);
    if (!tab) {
      let file;
      try {
        file = await api.readFile(path);
      } catch (err) {
        this.host.toast(err instanceof Error ? err.message : String(err), "error");
        return;
      }
      tab = this.tabs.get(path) ?? this.createTab(path, file.content, file.version);
    }
    this.activate(path);
    if (line !== undefined) this.goToLine(tab, line);
  }

  private createTab(path: string, content: string, version: string): Tab {
    const paneEl = h("div", { class: "editor-pane", "data-path": path, hidden: true });
    const name = path.split("/").pop() ?? path;
    const tabEl = h(
      "div",
      { class: "tab", role: "tab", "data-testid": `tab-${path}`, "data-path": path, title: path },
      h("span", { class: "tab-label" }, name),
      h("span", { class: "tab-dirty", title: "unsaved edits" }, "●"),
      h("button", {
        class: "tab-close",
        title: "Close",
        "aria-label": `Close ${path}`,
        onclick: (e: Event) => {
          e.stopPropagation();
          this.close(path);
        },
      }, "×"),
    );
    tabEl.addEventListener("click", () => this.activate(path));
    tabEl.addEventListener("auxclick", (e) => {
      if ((e as MouseEvent).button === 1) this.close(path);
    });
    const tab: Tab = {
      path,
      version,
      dirty: false,
      notice: null,
      saving: null,
      tabEl,
      paneEl,
      savedDoc: null as unknown as Text,
      view: null as unknown as EditorView,
    };
    tab.view = new EditorView({
      parent: paneEl,
      state: EditorState.create({ doc: content, extensions: this.extensions(tab) }),
    });
    tab.savedDoc = tab.view.state.doc;
    // Lets a browser test read the whole text (CodeMirror draws only the lines in view).
    Object.defineProperty(paneEl, "editorView", { value: tab.view });
    this.tabs.set(path, tab);
    this.tabBar.append(tabEl);
    this.body.append(paneEl);
    this.refreshDiagnostics(path);
    return tab;
  }

  private extensions(tab: Tab): Extension {
    return [
      lineNumbers(),
      highlightActiveLineGutter(),
      operationGutter,
      lintGutter(),
      foldGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      dropCursor(),
      EditorState.allowMultipleSelections.of(true),
      indentOnInput(),
      indentUnit.of(tab.path.endsWith(".py") ? "    " : "  "),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      bracketMatching(),
      closeBrackets(),
      autocompletion({ activateOnTyping: false }),
      rectangularSelection(),
      crosshairCursor(),
      highlightActiveLine(),
      highlightSelectionMatches(),
      keymap.of([
        { key: "Mod-s", preventDefault: true, run: () => (void this.save(tab.path), true) },
        ...closeBracketsKeymap,
        ...defaultKeymap,
        ...searchKeymap,
        ...historyKeymap,
        ...foldKeymap,
        ...completionKeymap,
        ...lintKeymap,
        indentWithTab,
      ]),
      languageFor(tab.path),
      this.host.extensions?.(tab.path) ?? [],
      EditorView.updateListener.of((update) => {
        if (update.selectionSet || update.docChanged) this.reportCursor(tab);
        if (!update.docChanged) return;
        this.setDirty(tab, !update.state.doc.eq(tab.savedDoc));
        if (!update.transactions.some((tr) => tr.annotation(fromDisk))) this.host.onEdit(tab.path);
      }),
    ];
  }

  activate(key: string): void {
    this.active = key;
    this.render();
    const tab = this.tabs.get(key);
    if (tab) {
      tab.view.requestMeasure();
      this.reportCursor(tab);
      tab.view.focus();
    }
    this.host.onActivate(key);
  }

  close(path: string): void {
    const tab = this.tabs.get(path);
    if (!tab) return;
    if (tab.dirty && !confirm(`${path} has unsaved edits. Close it and lose them?`)) return;
    tab.view.destroy();
    tab.tabEl.remove();
    tab.paneEl.remove();
    this.tabs.delete(path);
    if (this.active === path) {
      const remaining = [...this.tabs.keys()];
      this.activate(remaining.length ? remaining[remaining.length - 1] : GRAPH_TAB);
    }
  }

  private goToLine(tab: Tab, lineNo: number): void {
    const doc = tab.view.state.doc;
    const line = doc.line(Math.min(Math.max(lineNo, 1), doc.lines));
    tab.view.dispatch({
      selection: { anchor: line.from },
      effects: EditorView.scrollIntoView(line.from, { y: "center" }),
    });
    tab.view.focus();
  }

  private reportCursor(tab: Tab): void {
    if (this.active !== tab.path) return;
    const head = tab.view.state.selection.main.head;
    const line = tab.view.state.doc.lineAt(head);
    this.body.dataset.path = tab.path;
    this.body.dataset.line = String(line.number);
    this.body.dataset.column = String(head - line.from + 1);
    document.dispatchEvent(new CustomEvent("tether-cursor", { detail: { path: tab.path, line: line.number, column: head - line.from + 1 } }));
  }

  private setDirty(tab: Tab, dirty: boolean): void {
    if (tab.dirty === dirty) return;
    tab.dirty = dirty;
    tab.tabEl.classList.toggle("dirty", dirty);
    // A "changed on disk" notice only matters while there is something of ours to lose.
    if (!dirty && tab.notice?.kind === "disk") this.setNotice(tab, null);
  }

  private setNotice(tab: Tab, notice: Notice | null): void {
    tab.notice = notice;
    tab.tabEl.classList.toggle("has-notice", notice !== null);
    if (this.active === tab.path) {
      this.render();
      // The notice takes room from the editor: keep the cursor in view.
      tab.view.dispatch({ effects: EditorView.scrollIntoView(tab.view.state.selection.main.head, { y: "nearest" }) });
    }
  }

  private render(): void {
    this.graphTabEl.classList.toggle("active", this.active === GRAPH_TAB);
    this.graphPane.hidden = this.active !== GRAPH_TAB;
    for (const tab of this.tabs.values()) {
      const on = tab.path === this.active;
      tab.tabEl.classList.toggle("active", on);
      tab.tabEl.setAttribute("aria-selected", String(on));
      tab.paneEl.hidden = !on;
    }
    if (this.active === GRAPH_TAB) {
      delete this.body.dataset.path;
      delete this.body.dataset.line;
    }
    const notice = this.tabs.get(this.active)?.notice ?? null;
    this.noticeEl.hidden = notice === null;
    this.noticeEl.replaceChildren();
    if (notice) {
      this.noticeEl.className = `notice notice-${notice.kind}`;
      this.noticeEl.dataset.kind = notice.kind;
      this.noticeEl.append(
        h("span", { class: "notice-text" }, notice.message),
        h("span", { class: "notice-actions" }, ...notice.actions.map((a) => h("button", { "data-testid": a.testid, onclick: a.run }, a.label))),
      );
    }
  }

  // --- saving and files changed on disk ----------------------------------------------------

  async save(path: string = this.active): Promise<void> {
    const tab = this.tabs.get(path);
    if (!tab) return;
    if (tab.saving) await tab.saving;
    const doc = tab.view.state.doc;
    tab.saving = this.put(tab, doc, tab.version);
    try {
      await tab.saving;
    } finally {
      tab.saving = null;
    }
  }

  private async put(tab: Tab, doc: Text, version: string | null): Promise<void> {
    try {
      const result = await api.saveFile(tab.path, doc.toString(), version);
      tab.version = result.version;
      tab.savedDoc = doc;
      this.setDirty(tab, !tab.view.state.doc.eq(doc));
      if (tab.notice) this.setNotice(tab, null);
      this.host.onSaved(tab.path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        this.setNotice(tab, {
          kind: "conflict",
          message: `Not saved: ${tab.path} changed on disk since you opened it. Nothing was overwritten; your edits are still here.`,
          actions: [
            { label: "Reload from disk (discard my edits)", testid: "notice-reload", run: () => void this.reload(tab) },
            { label: "Overwrite the file with my version", testid: "notice-overwrite", run: () => void this.overwrite(tab) },
            { label: "Keep editing", testid: "notice-dismiss", run: () => this.setNotice(tab, null) },
          ],
        });
      } else {
        const message = err instanceof ApiError ? err.message + (err.hint ? ` ${err.hint}` : "") : String(err);
        this.setNotice(tab, {
          kind: "error",
          message: `Not saved: ${message}`,
          actions: [{ label: "Dismiss", testid: "notice-dismiss", run: () => this.setNotice(tab, null) }],
        });
      }
    }
  }

  private async overwrite(tab: Tab): Promise<void> {
    let version: string | null = null;
    try {
      version = (await api.readFile(tab.path)).version;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
    await this.put(tab, tab.view.state.doc, version);
  }

  private async reload(tab: Tab): Promise<void> {
    try {
      const file = await api.readFile(tab.path);
      this.replaceFromDisk(tab, file.content, file.version);
      this.setNotice(tab, null);
    } catch (err) {
      this.host.toast(err instanceof Error ? err.message : String(err), "error");
    }
  }

  private replaceFromDisk(tab: Tab, content: string, version: string): void {
    const view = tab.view;
    const head = Math.min(view.state.selection.main.head, content.length);
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: content },
      selection: { anchor: head },
      annotations: fromDisk.of(true),
    });
    tab.version = version;
    tab.savedDoc = view.state.doc;
    this.setDirty(tab, false);
    this.refreshDiagnostics(tab.path);
  }

  /** The server saw these paths change on disk (our own saves included). */
  async onDiskChange(paths: string[]): Promise<void> {
    for (const path of paths) {
      const tab = this.tabs.get(path);
      if (!tab) continue;
      if (tab.saving) await tab.saving.catch(() => undefined);
      let file;
      try {
        file = await api.readFile(path);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          this.setNotice(tab, {
            kind: "deleted",
            message: `${path} was deleted on disk. Save to write it again, or close the tab.`,
            actions: [{ label: "Close tab", testid: "notice-close", run: () => this.close(path) }],
          });
          tab.version = null;
        }
        continue;
      }
      if (file.version === tab.version) continue; // our own save
      if (file.content === tab.view.state.doc.toString()) {
        tab.version = file.version;
        tab.savedDoc = tab.view.state.doc;
        this.setDirty(tab, false);
        continue;
      }
      if (!tab.dirty) {
        this.replaceFromDisk(tab, file.content, file.version);
        continue;
      }
      this.setNotice(tab, {
        kind: "disk",
        message: `${path} changed on disk. Your unsaved edits are kept; saving now would be refused.`,
        actions: [
          { label: "Reload from disk (discard my edits)", testid: "notice-reload", run: () => void this.reload(tab) },
          { label: "Keep my edits", testid: "notice-dismiss", run: () => this.setNotice(tab, null) },
        ],
      });
    }
  }

  // --- problems and markers ----------------------------------------------------------------

  refreshDiagnostics(path?: string): void {
    for (const tab of this.tabs.values()) {
      if (path !== undefined && tab.path !== path) continue;
      const { problems, markers } = this.host.diagnosticsFor(tab.path);
      const state = tab.view.state;
      const spec = setDiagnostics(state, toDiagnostics(state.doc, problems));
      tab.view.dispatch({
        ...spec,
        effects: [...[spec.effects ?? []].flat(), setMarkers.of(markers), ...(this.host.effects?.(tab.path) ?? [])],
      });
    }
  }
}
