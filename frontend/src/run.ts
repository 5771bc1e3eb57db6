// Run, Tests and Logs: the bottom panel's loops on a function. Invoke a function with an event
// the server generates (as `tether events new`), save it as a test case, run the cases (as
// `tether test`), follow a function's logs. The server invokes; this module only shows.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers } from "@codemirror/view";

import { api, ApiError } from "./api";
import { h } from "./dom";
import type { FunctionInfo, HttpAnswer, InvokeResult, ProjectReport, SourceRef, TestCase, TestOutcome } from "./types";

type Toast = (message: string, kind?: "info" | "error") => void;
type Open = (source: SourceRef) => void;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const pretty = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

/** The event kind that suits a trigger ("s3" -> "s3-created", "dynamodb-stream" -> "dynamodb-insert"). */
export function kindFor(triggerKind: string, kinds: string[]): string | null {
  const head = triggerKind.split(/[-.]/)[0];
  return kinds.find((k) => k === triggerKind) ?? kinds.find((k) => k.split("-")[0] === head) ?? null;
}

function select(testid: string, onchange: () => void): HTMLSelectElement {
  return h("select", { "data-testid": testid, onchange });
}

function setOptions(el: HTMLSelectElement, values: string[], labels?: string[]): void {
  const keep = el.value;
  el.replaceChildren(...values.map((v, i) => h("option", { value: v }, labels?.[i] ?? v)));
  if (values.includes(keep)) el.value = keep;
}

function traceLinks(frames: { file: string; line: number; text?: string }[], open: Open): HTMLElement {
  return h(
    "ol",
    { class: "trace", "data-testid": "run-trace" },
    frames.map((f) =>
      h(
        "li",
        {},
        h("a", { class: "src", href: "#", "data-testid": "trace-frame", onclick: (e: Event) => (e.preventDefault(), open({ file: f.file, line: f.line })) }, `${f.file}:${f.line}`),
        f.text ? h("code", { class: "muted" }, `  ${f.text}`) : null,
      ),
    ),
  );
}

/** "KeyError: 'id'" from Lambda's error payload, else the invoker's error text. */
function errorText(r: InvokeResult): string {
  const payload = r.result as { errorType?: string; errorMessage?: string } | null;
  if (payload && typeof payload === "object" && (payload.errorType || payload.errorMessage)) {
    return `${payload.errorType ?? "Error"}: ${payload.errorMessage ?? ""}`;
  }
  return r.error ?? "error";
}

// --- run ---------------------------------------------------------------------------------------

export class RunPane {
  readonly el: HTMLElement;
  private readonly fnSelect: HTMLSelectElement;
  private readonly kindSelect: HTMLSelectElement;
  private eventEditor: EditorView | null = null;
  private readonly editorSlot: HTMLElement;
  private shown = false;
  private readonly result: HTMLElement;
  private readonly invokeButton: HTMLButtonElement;
  private readonly saveBox: HTMLElement;
  private readonly http: HttpTool;
  private readonly eventBox: HTMLElement;
  private readonly modeButtons: HTMLElement;
  private functions: Record<string, FunctionInfo> = {};
  private kinds: string[] = [];
  private mode: "event" | "http" = "event";
  onSavedCase: () => void = () => undefined;

  constructor(
    private readonly open: Open,
    private readonly toast: Toast,
  ) {
    this.fnSelect = select("run-function", () => void this.onFunction());
    this.kindSelect = select("run-kind", () => void this.newEvent());
    this.editorSlot = h("div", { class: "run-event-slot" });
    this.invokeButton = h("button", { class: "primary", "data-testid": "run-invoke", title: "Invoke with this event (Ctrl+Enter in the event)", onclick: () => void this.invoke() }, "▶ Invoke");
    this.result = h("div", { class: "run-result", "data-testid": "run-result" }, h("p", { class: "muted note" }, "Pick a function, start from a generated event, edit it, Invoke."));
    this.saveBox = h("span", { class: "save-case" });
    this.resetSaveBox();
    this.http = new HttpTool(toast, () => this.fnSelect.value);
    this.eventBox = h(
      "div",
      { class: "run-event" },
      h("div", { class: "pane-toolbar" }, h("span", { class: "muted" }, "event"), this.kindSelect, h("button", { "data-testid": "run-new-event", title: "A fresh sample event of this kind, with the project's names", onclick: () => void this.newEvent() }, "New event")),
      this.editorSlot,
    );
    this.modeButtons = h("span", { class: "seg", "data-testid": "run-mode" });
    this.el = h(
      "div",
      { "data-testid": "run-panel", class: "run-pane" },
      h("div", { class: "pane-toolbar" }, h("span", { class: "muted" }, "function"), this.fnSelect, this.modeButtons, this.invokeButton, h("span", { class: "spacer" }), this.saveBox),
      h("div", { class: "run-split" }, this.eventBox, this.http.el, this.result),
    );
    this.setMode("event");
  }

  /** The event editor, made the first time it is needed: the IDE opens on the graph, and an
   * editor made at start-up would lay the page out before the graph is drawn. */
  private get editor(): EditorView {
    return this.eventEditor ?? this.makeEditor();
  }

  private makeEditor(): EditorView {
    if (!this.eventEditor) {
      this.eventEditor = new EditorView({
        parent: this.editorSlot,
        state: EditorState.create({
          doc: "{}",
          // JSON is YAML's subset, so the YAML mode colours it well enough (no lang-json needed).
          extensions: [lineNumbers(), history(), bracketMatching(), yaml(), syntaxHighlighting(defaultHighlightStyle), keymap.of([{ key: "Mod-Enter", run: () => (void this.invoke(), true) }, ...defaultKeymap, ...historyKeymap, indentWithTab])],
        }),
      });
      this.eventEditor.dom.dataset.testid = "run-event-editor";
    }
    return this.eventEditor;
  }

  /** The Run panel came into view: from now on it follows the chosen function. */
  show(): void {
    if (this.shown) return;
    this.shown = true;
    if (this.fnSelect.value) void this.onFunction();
    else this.makeEditor(); // ready for an event typed by hand
  }

  private resetSaveBox(): void {
    this.saveBox.replaceChildren(h("button", { "data-testid": "run-save-case", onclick: () => this.askName() }, "Save as test case"));
  }

  private askName(): void {
    const input = h("input", { "data-testid": "case-name", placeholder: "test case name", size: 18, spellcheck: "false" });
    const error = h("span", { class: "field-error", "data-testid": "case-error" });
    const save = async () => {
      const name = input.value.trim();
      if (!/^[A-Za-z0-9_-]+$/.test(name)) {
        error.textContent = "letters, digits, - and _";
        return;
      }
      let event: unknown;
      try {
        event = JSON.parse(this.editor.state.doc.toString());
      } catch (err) {
        error.textContent = `the event is not JSON: ${message(err)}`;
        return;
      }
      try {
        const { file } = await api.saveTest(name, this.fnSelect.value, event);
        this.toast(`Saved ${file}`);
        this.resetSaveBox();
        this.onSavedCase();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 409 ? `${name} exists already: pick another name` : message(err);
      }
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void save();
      if (e.key === "Escape") this.resetSaveBox();
    });
    this.saveBox.replaceChildren(
      input,
      h("button", { class: "primary", "data-testid": "case-save", onclick: () => void save() }, "Save"),
      h("button", { "data-testid": "case-cancel", onclick: () => this.resetSaveBox() }, "Cancel"),
      error,
    );
    input.focus();
  }

  private setMode(mode: "event" | "http"): void {
    this.mode = mode;
    this.eventBox.hidden = mode !== "event";
    this.http.el.hidden = mode !== "http";
    this.invokeButton.hidden = mode !== "event";
    this.saveBox.hidden = mode !== "event";
    const fn = this.functions[this.fnSelect.value];
    const isHttp = Boolean(fn?.triggers.some((t) => t.kind === "http"));
    this.modeButtons.replaceChildren(
      ...(isHttp
        ? [
            h("button", { class: mode === "event" ? "on" : "", "data-testid": "run-mode-event", onclick: () => this.setMode("event") }, "Event"),
            h("button", { class: mode === "http" ? "on" : "", "data-testid": "run-mode-http", onclick: () => this.setMode("http") }, "HTTP request"),
          ]
        : []),
    );
  }

  /** A new project report: the functions to pick from. */
  setProject(report: ProjectReport): void {
    if (!Object.keys(report.functions).length) return; // keep the last good list while broken
    const first = !this.fnSelect.value;
    this.functions = report.functions;
    setOptions(this.fnSelect, Object.keys(report.functions).sort());
    if (first && this.shown) void this.onFunction();
  }

  /** Select a function (from the side panel's Run button, say). */
  pick(fn: string): void {
    this.fnSelect.value = fn;
    this.shown = true;
    void this.onFunction();
  }

  private async onFunction(): Promise<void> {
    if (!this.kinds.length) {
      try {
        this.kinds = (await api.eventKinds()).kinds;
      } catch (err) {
        this.toast(message(err), "error");
        return;
      }
    }
    const fn = this.functions[this.fnSelect.value];
    setOptions(this.kindSelect, this.kinds);
    const trigger = fn?.triggers[0];
    const kind = trigger ? kindFor(trigger.kind, this.kinds) : null;
    if (kind) this.kindSelect.value = kind;
    if (!fn?.triggers.some((t) => t.kind === "http")) this.setMode("event");
    else this.setMode(this.mode);
    await this.newEvent();
  }

  /** The trigger resource of the chosen kind, so the event names the project's real resource. */
  private resourceFor(kind: string): string | undefined {
    const fn = this.functions[this.fnSelect.value];
    const head = kind.split("-")[0];
    return fn?.triggers.find((t) => t.kind.split(/[-.]/)[0] === head)?.resource;
  }

  async newEvent(): Promise<void> {
    const kind = this.kindSelect.value;
    if (!kind) return;
    try {
      const { event } = await api.newEvent(kind, this.resourceFor(kind));
      this.setEvent(event);
    } catch (err) {
      this.toast(message(err), "error");
    }
  }

  setEvent(event: unknown): void {
    const text = JSON.stringify(event, null, 2);
    this.editor.dispatch({ changes: { from: 0, to: this.editor.state.doc.length, insert: text } });
  }

  private async invoke(): Promise<void> {
    let event: unknown;
    try {
      event = JSON.parse(this.editor.state.doc.toString());
    } catch (err) {
      this.result.replaceChildren(h("div", { class: "run-error", "data-testid": "run-error" }, `The event is not JSON: ${message(err)}`));
      return;
    }
    const fn = this.fnSelect.value;
    this.invokeButton.disabled = true;
    this.result.classList.add("busy");
    try {
      this.showResult(await api.invoke(fn, event));
    } catch (err) {
      this.result.replaceChildren(h("div", { class: "run-error", "data-testid": "run-error" }, message(err), err instanceof ApiError && err.hint ? h("div", { class: "hint" }, err.hint) : null));
    } finally {
      this.invokeButton.disabled = false;
      this.result.classList.remove("busy");
    }
  }

  private showResult(r: InvokeResult): void {
    const status = r.error
      ? h("span", { class: "chip chip-failed", "data-testid": "run-status" }, "error")
      : h("span", { class: "chip chip-ok", "data-testid": "run-status" }, "ok");
    this.result.replaceChildren(
      h("div", { class: "run-head" }, status, h("b", {}, r.function), h("span", { class: "muted", "data-testid": "run-duration" }, `${Math.round(r.milliseconds)} ms`)),
      r.error
        ? h("div", { class: "run-error", "data-testid": "run-error" }, h("pre", {}, errorText(r)), r.trace?.length ? traceLinks(r.trace, this.open) : null)
        : h("pre", { class: "json", "data-testid": "run-value" }, pretty(r.result)),
      h("div", { class: "muted sub" }, "logs"),
      h("pre", { class: "logs", "data-testid": "run-logs" }, r.logs || "(no log lines)"),
    );
  }
}

// --- HTTP request tool ----------------------------------------------------------------------

class HttpTool {
  readonly el: HTMLElement;
  private readonly method: HTMLSelectElement;
  private readonly path: HTMLInputElement;
  private readonly headers: HTMLTextAreaElement;
  private readonly body: HTMLTextAreaElement;
  private readonly answer: HTMLElement;

  constructor(
    private readonly toast: Toast,
    private readonly fn: () => string,
  ) {
    this.method = h("select", { "data-testid": "http-method" }, ["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => h("option", { value: m }, m)));
    this.path = h("input", { "data-testid": "http-path", value: "/", spellcheck: "false", class: "grow" });
    this.headers = h("textarea", { "data-testid": "http-headers", rows: 2, placeholder: "Header: value (one a line)", spellcheck: "false" });
    this.body = h("textarea", { "data-testid": "http-body", rows: 4, placeholder: "body", spellcheck: "false" });
    this.answer = h("div", { class: "http-answer", "data-testid": "http-answer" });
    const send = h("button", { class: "primary", "data-testid": "http-send", onclick: () => void this.send() }, "Send");
    this.el = h("div", { class: "http-tool", "data-testid": "http-tool" }, h("div", { class: "row" }, this.method, this.path, send), this.headers, this.body, this.answer);
  }

  private async send(): Promise<void> {
    const headers: Record<string, string> = {};
    for (const line of this.headers.value.split("\n")) {
      const cut = line.indexOf(":");
      if (cut > 0) headers[line.slice(0, cut).trim()] = line.slice(cut + 1).trim();
    }
    try {
      const a: HttpAnswer = await api.http({ function: this.fn(), method: this.method.value, path: this.path.value || "/", headers, body: this.body.value });
      let body = a.body;
      try {
        body = JSON.stringify(JSON.parse(a.body), null, 2);
      } catch {
        /* not JSON: shown as is */
      }
      this.answer.replaceChildren(
        h("div", { class: "run-head" }, h("span", { class: `chip ${a.status < 400 ? "chip-ok" : "chip-failed"}`, "data-testid": "http-status" }, String(a.status)), h("span", { class: "muted" }, `${Math.round(a.milliseconds)} ms`)),
        h("pre", { class: "headers muted" }, Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`).join("\n")),
        h("pre", { class: "json", "data-testid": "http-response-body" }, body),
      );
    } catch (err) {
      this.toast(message(err), "error");
    }
  }
}

// --- tests --------------------------------------------------------------------------------------

export class TestsPane {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private readonly summary: HTMLElement;
  private cases: TestCase[] = [];
  private outcomes = new Map<string, TestOutcome>();
  private running = new Set<string>();

  constructor(
    private readonly open: Open,
    private readonly toast: Toast,
  ) {
    this.list = h("div", { class: "cases", "data-testid": "test-cases" });
    this.summary = h("span", { class: "muted", "data-testid": "tests-summary" });
    this.el = h(
      "div",
      { "data-testid": "tests-panel" },
      h(
        "div",
        { class: "pane-toolbar" },
        h("button", { class: "primary", "data-testid": "tests-run-all", onclick: () => void this.run(null) }, "▶ Run all"),
        h("button", { "data-testid": "tests-refresh", onclick: () => void this.refresh() }, "Refresh"),
        this.summary,
      ),
      this.list,
    );
  }

  async refresh(): Promise<void> {
    try {
      this.cases = (await api.tests()).cases;
      this.render();
    } catch (err) {
      this.list.replaceChildren(h("p", { class: "run-error note" }, message(err)));
    }
  }

  private async run(names: string[] | null): Promise<void> {
    const which = names ?? this.cases.map((c) => c.name);
    which.forEach((n) => this.running.add(n));
    this.render();
    try {
      const answer = await api.runTests(names);
      for (const o of answer.outcomes) this.outcomes.set(o.name, o);
      this.summary.textContent = `${answer.passed} passed, ${answer.failed} failed`;
      this.summary.className = answer.failed ? "fail-text" : "pass-text";
    } catch (err) {
      this.toast(message(err), "error");
    } finally {
      which.forEach((n) => this.running.delete(n));
      this.render();
    }
  }

  private render(): void {
    if (!this.cases.length) {
      this.list.replaceChildren(h("p", { class: "muted note", "data-testid": "no-cases" }, "No saved cases yet: in Run, invoke a function and “Save as test case” (events/<name>.test.yaml)."));
      return;
    }
    this.list.replaceChildren(
      ...this.cases.map((c) => {
        // The server names a case by its file ("events/api-smoke.test.yaml"); people by its stem.
        const short = c.name.replace(/^events\//, "").replace(/\.test\.(ya?ml|json)$/, "");
        const o = this.outcomes.get(c.name);
        const running = this.running.has(c.name);
        const verdict = running
          ? h("span", { class: "chip", "data-testid": "case-verdict" }, "running…")
          : o
            ? h("span", { class: `chip ${o.passed ? "chip-ok" : "chip-failed"}`, "data-testid": "case-verdict" }, o.passed ? "pass" : "fail")
            : h("span", { class: "chip chip-none", "data-testid": "case-verdict" }, "not run");
        return h(
          "div",
          { class: "case", "data-testid": `case-${short}`, "data-name": c.name, "data-state": running ? "running" : o ? (o.passed ? "passed" : "failed") : "none" },
          h(
            "div",
            { class: "case-row" },
            verdict,
            h("b", {}, short),
            h("span", { class: "muted" }, `→ ${c.function}`),
            h("a", { class: "src", href: "#", onclick: (e: Event) => (e.preventDefault(), this.open({ file: c.file, line: 1 })) }, c.file),
            o ? h("span", { class: "muted" }, `${Math.round(o.milliseconds)} ms`) : null,
            h("span", { class: "spacer" }),
            h("button", { "data-testid": `case-run-${short}`, disabled: running, onclick: () => void this.run([c.name]) }, "Run"),
          ),
          o && !o.passed ? h("pre", { class: "failures", "data-testid": "case-failures" }, o.failures.join("\n")) : null,
        );
      }),
    );
  }
}

// --- logs ---------------------------------------------------------------------------------------

const MAX_LOG_LINES = 5000;

export class LogsPane {
  readonly el: HTMLElement;
  private readonly fnSelect: HTMLSelectElement;
  private readonly follow: HTMLButtonElement;
  private readonly filter: HTMLInputElement;
  private readonly out: HTMLElement;
  private lines: string[] = [];
  private following: string | null = null;

  constructor(private readonly toast: Toast) {
    this.fnSelect = select("logs-function", () => {
      if (this.following) void this.start();
    });
    this.follow = h("button", { "data-testid": "logs-follow", onclick: () => void (this.following ? this.stop() : this.start()) }, "Follow");
    this.filter = h("input", { "data-testid": "logs-filter", placeholder: "filter", type: "search", oninput: () => this.render() });
    this.out = h("pre", { class: "logs-out", "data-testid": "logs-lines" });
    this.el = h(
      "div",
      { "data-testid": "logs-panel", class: "logs-pane" },
      h("div", { class: "pane-toolbar" }, h("span", { class: "muted" }, "function"), this.fnSelect, this.follow, this.filter, h("button", { onclick: () => ((this.lines = []), this.render()) }, "Clear")),
      this.out,
    );
    this.render();
  }

  setProject(report: ProjectReport): void {
    if (Object.keys(report.functions).length) setOptions(this.fnSelect, Object.keys(report.functions).sort());
  }

  private async start(): Promise<void> {
    const fn = this.fnSelect.value;
    if (!fn) return;
    try {
      this.lines = (await api.logs(fn)).lines;
      await api.followLogs(fn);
      this.following = fn;
      this.follow.textContent = "■ Stop";
      this.follow.classList.add("on");
      this.render();
    } catch (err) {
      this.toast(message(err), "error");
    }
  }

  private async stop(): Promise<void> {
    this.following = null;
    this.follow.textContent = "Follow";
    this.follow.classList.remove("on");
    try {
      await api.followLogs(null);
    } catch (err) {
      this.toast(message(err), "error");
    }
  }

  /** A {"type": "logs"} message from the WebSocket. */
  handle(fn: string, lines: string[]): void {
    if (fn !== this.following) return;
    this.lines = [...this.lines, ...lines].slice(-MAX_LOG_LINES);
    this.render();
  }

  private render(): void {
    const needle = this.filter.value.toLowerCase();
    const shown = needle ? this.lines.filter((l) => l.toLowerCase().includes(needle)) : this.lines;
    const atBottom = this.out.scrollHeight - this.out.scrollTop - this.out.clientHeight < 30;
    this.out.textContent = shown.length
      ? shown.join("\n")
      : this.following
        ? `Following ${this.following}: waiting for log lines…`
        : "Pick a function and Follow to see its log lines live.";
    this.out.classList.toggle("muted", !shown.length);
    if (atBottom) this.out.scrollTop = this.out.scrollHeight;
  }
}
