// Authoring in the editor: a resource dragged from the side panel onto a line of a handler file
// (the line under the pointer is marked while dragging), and a gutter mark on each handler's
// `def` line, red when nothing triggers the function, green when something does.

import { type Extension, RangeSet, StateEffect, StateField, type EditorState } from "@codemirror/state";
import { Decoration, type DecorationSet, EditorView, GutterMarker, gutter, ViewPlugin } from "@codemirror/view";

import { h } from "./dom";
import type { Trigger } from "./types";

/** What a drag from the palette or the resource list carries. */
export interface DragData {
  name: string | null; // an existing resource, or null for a new one of `type`
  type: string;
}

export const DRAG_MIME = "application/x-tether-resource";

/** The drag in progress in this page (dragover cannot read the data, only its types). */
let dragging: DragData | null = null;

export function startDrag(e: DragEvent, data: DragData): void {
  if (!e.dataTransfer) return;
  e.dataTransfer.setData(DRAG_MIME, JSON.stringify(data));
  e.dataTransfer.effectAllowed = "copy";
  dragging = data;
  document.body.classList.add("tether-dragging");
}

export function endDrag(): void {
  dragging = null;
  document.body.classList.remove("tether-dragging");
}
document.addEventListener("dragend", endDrag);
document.addEventListener("drop", () => setTimeout(endDrag, 0));

export function isOurDrag(e: DragEvent): boolean {
  return Boolean(e.dataTransfer && [...e.dataTransfer.types].includes(DRAG_MIME));
}

export function readDrag(e: DragEvent): DragData | null {
  const text = e.dataTransfer?.getData(DRAG_MIME);
  if (!text) return dragging;
  try {
    const data = JSON.parse(text) as DragData;
    return typeof data.type === "string" ? { name: data.name ?? null, type: data.type } : null;
  } catch {
    return null;
  }
}

export function currentDrag(): DragData | null {
  return dragging;
}

// --- handlers in this file ---------------------------------------------------------------------

/** A function whose handler lives in this file: its Python name and its triggers. */
export interface HandlerInfo {
  function: string;
  pyName: string;
  triggers: Trigger[];
}

export const setHandlers = StateEffect.define<HandlerInfo[]>();

interface HandlerState {
  handlers: HandlerInfo[];
  /** line number -> the functions whose handler is defined on it */
  lines: Map<number, HandlerInfo[]>;
}

function locate(state: EditorState, handlers: HandlerInfo[]): Map<number, HandlerInfo[]> {
  const lines = new Map<number, HandlerInfo[]>();
  if (!handlers.length) return lines;
  const text = state.doc.toString();
  for (const info of handlers) {
    const name = info.pyName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const match = new RegExp(`^(?:async[ \\t]+)?def[ \\t]+${name}[ \\t]*\\(`, "m").exec(text);
    if (!match) continue;
    const line = state.doc.lineAt(match.index).number;
    lines.set(line, [...(lines.get(line) ?? []), info]);
  }
  return lines;
}

export const handlerField = StateField.define<HandlerState>({
  create: () => ({ handlers: [], lines: new Map() }),
  update(value, tr) {
    let handlers = value.handlers;
    let changed = tr.docChanged;
    for (const e of tr.effects) {
      if (e.is(setHandlers)) {
        handlers = e.value;
        changed = true;
      }
    }
    return changed ? { handlers, lines: locate(tr.state, handlers) } : value;
  },
});

/** The functions whose handler's `def` is on line `line` of this editor. */
export function handlersAt(state: EditorState, line: number): HandlerInfo[] {
  return state.field(handlerField, false)?.lines.get(line) ?? [];
}

export function handlerLine(state: EditorState, fn: string): number | null {
  for (const [line, infos] of state.field(handlerField, false)?.lines ?? []) {
    if (infos.some((i) => i.function === fn)) return line;
  }
  return null;
}

// --- the trigger marks -------------------------------------------------------------------------

export type TriggerMarkClick = (fn: string, anchor: HTMLElement, view: EditorView) => void;

class TriggerMark extends GutterMarker {
  constructor(
    readonly infos: HandlerInfo[],
    readonly onClick: TriggerMarkClick | null,
  ) {
    super();
  }
  eq(other: TriggerMark): boolean {
    return JSON.stringify(other.infos) === JSON.stringify(this.infos);
  }
  toDOM(view: EditorView): Node {
    if (!this.infos.length) return h("span", { class: "trig-mark trig-spacer" });
    const info = this.infos[0];
    const on = info.triggers.length > 0;
    const label = on
      ? `${info.function}: triggered by ${info.triggers.map((t) => `${t.resource} (${t.description})`).join(", ")}`
      : `${info.function}: no trigger (only a direct invoke runs it). Click to add one.`;
    const mark = h(
      "button",
      {
        class: `trig-mark ${on ? "trig-on" : "trig-off"}`,
        "data-testid": "trigger-mark",
        "data-function": info.function,
        "data-state": on ? "on" : "off",
        title: label,
        "aria-label": label,
        tabindex: -1,
      },
    );
    mark.addEventListener("mousedown", (e) => e.preventDefault());
    mark.addEventListener("click", (e) => {
      e.preventDefault();
      e.stopPropagation();
      this.onClick?.(info.function, mark, view);
    });
    return mark;
  }
}

function triggerGutter(onClick: TriggerMarkClick): Extension {
  return gutter({
    class: "cm-trigger-gutter",
    markers: (view) => {
      const { lines } = view.state.field(handlerField);
      const doc = view.state.doc;
      const ranges = [...lines.entries()]
        .filter(([line]) => line >= 1 && line <= doc.lines)
        .sort((a, b) => a[0] - b[0])
        .map(([line, infos]) => new TriggerMark(infos, onClick).range(doc.line(line).from));
      return RangeSet.of(ranges);
    },
    initialSpacer: () => new TriggerMark([], null),
  });
}

// --- dropping on a line ------------------------------------------------------------------------

const setDropLine = StateEffect.define<{ line: number; label: string; trigger: boolean } | null>();

const dropField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setDropLine)) continue;
      if (!e.value || e.value.line > tr.state.doc.lines) {
        value = Decoration.none;
        continue;
      }
      const line = tr.state.doc.line(e.value.line);
      value = Decoration.set([
        Decoration.line({ class: e.value.trigger ? "cm-drop-line cm-drop-trigger" : "cm-drop-line", attributes: { "data-drop-label": e.value.label, "data-testid": "drop-line" } }).range(line.from),
      ]);
    }
    return value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export interface DropTarget {
  line: number;
  /** The function whose handler's `def` is on that line (a drop there adds a trigger). */
  handler: string | null;
}

export interface EditorAuthoring {
  /** A resource dropped on a line of this file. */
  onDrop(data: DragData, target: DropTarget): void;
  onTriggerMark: TriggerMarkClick;
  /** What the drop indicator says for a line. */
  dropLabel(data: DragData | null, target: DropTarget): string;
}

function lineAt(view: EditorView, e: DragEvent): number | null {
  const pos = view.posAtCoords({ x: e.clientX, y: e.clientY }, false);
  return pos === null ? null : view.state.doc.lineAt(pos).number;
}

function targetAt(view: EditorView, line: number): DropTarget {
  return { line, handler: handlersAt(view.state, line)[0]?.function ?? null };
}

/** Everything authoring adds to a Python tab's editor. */
export function editorAuthoring(host: EditorAuthoring): Extension {
  let shown: string | null = null;
  const show = (view: EditorView, target: DropTarget | null, data: DragData | null) => {
    const label = target ? host.dropLabel(data, target) : "";
    const key = target ? `${target.line}:${label}` : null;
    if (key === shown) return;
    shown = key;
    const trigger = Boolean(target?.handler) && /^trigger/.test(label);
    view.dispatch({ effects: setDropLine.of(target ? { line: target.line, label, trigger } : null) });
  };
  return [
    handlerField,
    dropField,
    triggerGutter(host.onTriggerMark),
    // A drag given up (Escape, dropped elsewhere) leaves no mark behind.
    ViewPlugin.define((view) => {
      const clear = () => {
        if (shown !== null) show(view, null, null);
      };
      document.addEventListener("dragend", clear);
      return { destroy: () => document.removeEventListener("dragend", clear) };
    }),
    EditorView.domEventHandlers({
      dragenter(e) {
        if (!isOurDrag(e)) return false;
        e.preventDefault();
        return true;
      },
      dragover(e, view) {
        if (!isOurDrag(e)) return false;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
        const line = lineAt(view, e);
        show(view, line === null ? null : targetAt(view, line), currentDrag());
        return true;
      },
      dragleave(e, view) {
        if (!isOurDrag(e)) return false;
        const to = e.relatedTarget as Node | null;
        if (!to || !view.dom.contains(to)) show(view, null, null);
        return false;
      },
      drop(e, view) {
        if (!isOurDrag(e)) return false;
        e.preventDefault();
        const data = readDrag(e);
        const line = lineAt(view, e);
        show(view, null, null);
        endDrag();
        if (data && line !== null) host.onDrop(data, targetAt(view, line));
        return true;
      },
    }),
  ];
}
