// The panels around the editor: file tree (left), functions and resources (right), problems and
// the other bottom tabs, and the status line. Each renders from data; none keeps project logic.

import { api } from "./api";
import { type DragData, endDrag, isOurDrag, readDrag } from "./authoring_editor";
import { h, parseSource } from "./dom";
import type { FileEntry, PlanSummary, Problem, ProjectReport, SourceRef, Statement, Trigger } from "./types";

export type Open = (source: SourceRef) => void;

// --- file tree ------------------------------------------------------------------------------

interface TreeNode {
  name: string;
  path: string;
  kind: "file" | "dir";
  children: TreeNode[];
}

function buildTree(files: FileEntry[]): TreeNode[] {
  const root: TreeNode = { name: "", path: "", kind: "dir", children: [] };
  const dirs = new Map<string, TreeNode>([["", root]]);
  const dirFor = (path: string): TreeNode => {
    const existing = dirs.get(path);
    if (existing) return existing;
    const cut = path.lastIndexOf("/");
    const parent = dirFor(cut < 0 ? "" : path.slice(0, cut));
    const node: TreeNode = { name: path.slice(cut + 1), path, kind: "dir", children: [] };
    parent.children.push(node);
    dirs.set(path, node);
    return node;
  };
  for (const entry of files) {
    if (entry.kind === "dir") {
      dirFor(entry.path);
      continue;
    }
    const cut = entry.path.lastIndexOf("/");
    dirFor(cut < 0 ? "" : entry.path.slice(0, cut)).children.push({
      name: entry.path.slice(cut + 1),
      path: entry.path,
      kind: "file",
      children: [],
    });
  }
  const sort = (node: TreeNode) => {
    node.children.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === "dir" ? -1 : 1));
    node.children.forEach(sort);
  };
  sort(root);
  return root.children;
}

export class FileTree {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  private collapsed = new Set<string>();
  private files: FileEntry[] = [];
  private active: string | null = null;
  private problemsByFile = new Map<string, "error" | "warning">();

  constructor(
    title: string,
    private readonly onOpen: (path: string) => void,
  ) {
    this.list = h("div", { class: "tree", role: "tree" });
    this.el = h(
      "nav",
      { class: "panel tree-panel", "data-testid": "file-tree", "aria-label": "Project files" },
      h("div", { class: "panel-title" }, h("span", { "data-testid": "project-name" }, title)),
      this.list,
    );
  }

  setFiles(files: FileEntry[]): void {
    this.files = files;
    this.render();
  }

  setActive(path: string | null): void {
    this.active = path;
    for (const row of this.list.querySelectorAll<HTMLElement>(".tree-file")) {
      row.classList.toggle("active", row.dataset.path === path);
    }
  }

  setProblems(problems: Problem[]): void {
    this.problemsByFile.clear();
    for (const p of problems) {
      if (!p.file) continue;
      if (p.severity === "error" || !this.problemsByFile.has(p.file)) {
        if (p.severity !== "info") this.problemsByFile.set(p.file, p.severity);
      }
    }
    this.render();
  }

  private render(): void {
    const rows: HTMLElement[] = [];
    const walk = (nodes: TreeNode[], depth: number) => {
      for (const node of nodes) {
        const pad = `padding-left: ${8 + depth * 14}px`;
        if (node.kind === "dir") {
          const closed = this.collapsed.has(node.path);
          rows.push(
            h(
              "div",
              {
                class: "tree-row tree-dir",
                role: "treeitem",
                "aria-expanded": String(!closed),
                style: pad,
                "data-path": node.path,
                onclick: () => {
                  if (closed) this.collapsed.delete(node.path);
                  else this.collapsed.add(node.path);
                  this.render();
                },
              },
              h("span", { class: "twisty" }, closed ? "▸" : "▾"),
              node.name,
            ),
          );
          if (!closed) walk(node.children, depth + 1);
        } else {
          const severity = this.problemsByFile.get(node.path);
          rows.push(
            h(
              "div",
              {
                class: `tree-row tree-file${node.path === this.active ? " active" : ""}${severity ? ` has-${severity}` : ""}`,
                role: "treeitem",
                style: pad,
                title: node.path,
                "data-testid": `file-${node.path}`,
                "data-path": node.path,
                onclick: () => this.onOpen(node.path),
              },
              h("span", { class: `file-icon ext-${node.name.split(".").pop()}` }),
              node.name,
              severity ? h("span", { class: `dot dot-${severity}` }) : null,
            ),
          );
        }
      }
    };
    walk(buildTree(this.files), 0);
    this.list.replaceChildren(...rows);
  }
}

// --- functions and resources ----------------------------------------------------------------

/** What authoring adds to the side panel: drags from the resources, drops on the functions, menus. */
export interface SideAuthoring {
  readonly palette: HTMLElement;
  draggable(el: HTMLElement, name: string, type: string): void;
  use(data: DragData): void;
  dropOnFunction(fn: string, data: DragData): void;
  resourceMenu(name: string, anchor: HTMLElement): void;
  functionMenu(fn: string, anchor: HTMLElement): void;
  functionSettings(fn: string): void;
  /** Whether a trigger has settings to edit (an SNS or schedule trigger has none). */
  triggerEditable(t: Trigger): boolean;
  editTrigger(fn: string, index: number): void;
  removeTrigger(fn: string, index: number): void;
}

export class SidePanel {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private authoringHooks: SideAuthoring | null = null;

  /** Functions whose permissions are shown (kept across re-renders, reloaded on each). */
  private readonly permOpen = new Set<string>();
  onRun: (fn: string) => void = () => undefined;

  constructor(
    private readonly onOpen: Open,
    private readonly onPrune: () => Promise<void>,
  ) {
    this.body = h("div", { class: "side-body" });
    this.el = h(
      "aside",
      { class: "panel side-panel", "data-testid": "side-panel", "aria-label": "Functions and resources" },
      this.body,
    );
  }

  /** Authoring's palette goes on top; resources become draggable, functions drop targets. */
  set authoring(hooks: SideAuthoring) {
    this.authoringHooks = hooks;
    this.el.prepend(hooks.palette);
  }

  /** A function's card takes a dragged resource: its trigger. */
  private dropTarget(card: HTMLElement, name: string): void {
    const hooks = this.authoringHooks;
    if (!hooks) return;
    let depth = 0;
    card.addEventListener("dragenter", (e) => {
      if (!isOurDrag(e)) return;
      e.preventDefault();
      depth += 1;
      card.classList.add("drop-target");
    });
    card.addEventListener("dragover", (e) => {
      if (!isOurDrag(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "copy";
      card.classList.add("drop-target");
    });
    card.addEventListener("dragleave", (e) => {
      if (!isOurDrag(e)) return;
      depth = Math.max(0, depth - 1);
      if (!depth) card.classList.remove("drop-target");
    });
    card.addEventListener("drop", (e) => {
      if (!isOurDrag(e)) return;
      e.preventDefault();
      depth = 0;
      card.classList.remove("drop-target");
      const data = readDrag(e);
      endDrag();
      if (data) hooks.dropOnFunction(name, data);
    });
  }

  private permBox(name: string): HTMLElement {
    const box = h("div", { class: "perm-box", "data-testid": `permissions-${name}` });
    if (this.permOpen.has(name)) void this.loadPermissions(name, box);
    return box;
  }

  private async loadPermissions(name: string, box: HTMLElement): Promise<void> {
    if (!box.childElementCount) box.append(h("div", { class: "muted" }, "loading permissions…"));
    try {
      const { statements } = await api.permissions(name);
      box.replaceChildren(
        h("div", { class: "perm-title" }, `Role of ${name}: ${statements.length} statement${statements.length === 1 ? "" : "s"}`),
        h("ul", { class: "statements" }, statements.map((st) => statementView(st, this.onOpen))),
      );
    } catch (err) {
      box.replaceChildren(h("div", { class: "field-error" }, err instanceof Error ? err.message : String(err)));
    }
  }

  render(report: ProjectReport, staleNote?: string): void {
    this.el.classList.toggle("stale", Boolean(staleNote));
    const link = (source: string | null | undefined, text?: string) => {
      const ref = parseSource(source);
      if (!ref) return null;
      return h(
        "a",
        {
          class: "src",
          href: "#",
          title: `Open ${ref.file}:${ref.line}`,
          onclick: (e: Event) => {
            e.preventDefault();
            this.onOpen(ref);
          },
        },
        text ?? `${ref.file}:${ref.line}`,
      );
    };
    const handlerSource = (handler: string) => {
      const cut = handler.lastIndexOf(".");
      return `${handler.slice(0, cut)}.py:1`;
    };

    const hooks = this.authoringHooks;
    const functions = Object.entries(report.functions).map(([name, fn]) => {
      const card = h(
        "details",
        { class: "fn", open: true, "data-testid": `function-${name}`, "data-function": name },
        h(
          "summary",
          {},
          h("span", { class: "badge badge-fn" }, "λ"),
          h("span", { class: "name" }, name),
          h(
            "span",
            { class: "meta" },
            [fn.memory !== undefined ? `${fn.memory} MB` : null, fn.timeout !== undefined ? `${fn.timeout} s` : null]
              .filter(Boolean)
              .join(" · "),
          ),
        ),
        h("div", { class: "kv" }, h("span", { class: "k" }, "handler"), link(handlerSource(fn.handler), fn.handler)),
        fn.triggers.length
          ? h(
              "ul",
              { class: "ties triggers" },
              fn.triggers.map((t, i) =>
                h(
                  "li",
                  { "data-testid": "trigger-row", "data-resource": t.resource },
                  h("span", { class: "tie-kind" }, "⇢"),
                  h("b", {}, t.resource),
                  " ",
                  t.description,
                  " ",
                  link(t.source, "↗"),
                  hooks
                    ? h(
                        "span",
                        { class: "tie-actions" },
                        hooks.triggerEditable(t)
                          ? h("button", { class: "mini", "data-testid": "trigger-edit", title: `Change the settings of this trigger (${t.description})`, onclick: () => hooks.editTrigger(name, i) }, "Edit")
                          : null,
                        h("button", { class: "mini icon", "data-testid": "trigger-remove", title: "Remove this trigger", "aria-label": `Remove the trigger ${t.resource} of ${name}`, onclick: () => hooks.removeTrigger(name, i) }, "×"),
                      )
                    : null,
                ),
              ),
            )
          : h("div", { class: "muted" }, "no triggers (invoke it directly)"),
        fn.operations.length
          ? h(
              "ul",
              { class: "ties operations" },
              fn.operations.map((o) =>
                h(
                  "li",
                  { title: o.origin === "declared" ? "declared in tether.yaml" : "found in code" },
                  h("span", { class: "tie-kind" }, "→"),
                  h("code", {}, o.action),
                  " on ",
                  h("b", {}, o.resource),
                  o.origin === "declared" ? h("span", { class: "badge badge-declared" }, "declared") : null,
                  " ",
                  link(o.source, "↗"),
                ),
              ),
            )
          : null,
        h(
          "div",
          { class: "fn-actions" },
          h("button", { class: "mini", "data-testid": `run-${name}`, title: `Invoke ${name} in the Run panel`, onclick: () => this.onRun(name) }, "▶ Run"),
          h(
            "button",
            {
              class: `mini${this.permOpen.has(name) ? " on" : ""}`,
              "data-testid": `permissions-toggle-${name}`,
              title: "The IAM statements of this function's role, with the lines that need them",
              onclick: (e: Event) => {
                const box = (e.currentTarget as HTMLElement).closest(".fn")!.querySelector<HTMLElement>(".perm-box")!;
                (e.currentTarget as HTMLElement).classList.toggle("on");
                if (this.permOpen.delete(name)) box.replaceChildren();
                else {
                  this.permOpen.add(name);
                  void this.loadPermissions(name, box);
                }
              },
            },
            "Permissions",
          ),
          hooks
            ? h("button", { class: "mini", "data-testid": `settings-${name}`, title: "Memory, timeout, runtime, environment variables", onclick: () => hooks.functionSettings(name) }, "Settings")
            : null,
          hooks
            ? h("button", {
                class: "mini icon more",
                "data-testid": `function-menu-${name}`,
                title: "More: add a trigger, remove the function",
                "aria-label": `More actions on ${name}`,
                "aria-haspopup": "menu",
                onclick: (e: Event) => hooks.functionMenu(name, e.currentTarget as HTMLElement),
              }, "⋯")
            : null,
        ),
        this.permBox(name),
      );
      this.dropTarget(card, name);
      return card;
    });

    const unused = new Set(report.unused);
    const resourceRow = (name: string) => {
      const r = report.resources[name];
      const item = h(
        "li",
        { class: `res${r.external ? " external" : ""}`, "data-testid": `resource-${name}`, "data-resource": name, "data-type": r.type, title: r.external ?? r.env ?? "" },
        hooks ? h("span", { class: "grip", "aria-hidden": "true" }, "⠿") : null,
        h("span", { class: "name" }, name),
        h("span", { class: `badge ${r.external ? "badge-external" : "badge-project"}` }, r.external ? "external" : "project"),
        h("span", { class: "kind" }, r.type),
        hooks
          ? h("button", {
              class: "mini icon more",
              "data-testid": `resource-menu-${name}`,
              title: "Use, rename or remove",
              "aria-label": `Actions on ${name}`,
              "aria-haspopup": "menu",
              onclick: (e: Event) => (e.stopPropagation(), hooks.resourceMenu(name, e.currentTarget as HTMLElement)),
            }, "⋯")
          : null,
        r.used_by.length ? h("div", { class: "used-by" }, "used by ", r.used_by.join(", ")) : null,
        r.source ? link(r.source, "↗") : null,
      );
      if (hooks) {
        hooks.draggable(item, name, r.type);
        item.tabIndex = 0;
        item.setAttribute("aria-label", `${name}, ${r.type}${r.external ? ", external" : ""}: Enter to use it in code or as a trigger; drag it onto code or a function`);
        item.addEventListener("keydown", (e) => {
          if (e.key === "Enter" && e.target === item) {
            e.preventDefault();
            hooks.use({ name, type: r.type });
          }
        });
      }
      return item;
    };
    const names = Object.keys(report.resources).sort();
    const used = names.filter((n) => !unused.has(n));
    const dustbin = report.unused;

    this.body.replaceChildren(
      staleNote ? h("p", { class: "stale-note", "data-testid": "side-stale" }, staleNote) : "",
      h("section", { "data-testid": "functions" }, h("h3", {}, `Functions (${functions.length})`), functions.length ? functions : h("div", { class: "muted" }, "No functions.")),
      h(
        "section",
        { "data-testid": "resources" },
        h("h3", {}, `Resources (${names.length})`),
        report.unused_withheld ? h("p", { class: "withheld", "data-testid": "unused-withheld" }, report.unused_withheld) : "",
        h("ul", { class: "resources" }, used.map(resourceRow)),
      ),
      dustbin.length
        ? h(
            "section",
            { class: "dustbin", "data-testid": "dustbin" },
            h("h3", {}, `Unused: the dustbin (${dustbin.length})`),
            h("p", { class: "muted" }, "No trigger and no operation uses these."),
            h("ul", { class: "resources" }, dustbin.map((n) => (n in report.resources ? resourceRow(n) : h("li", { class: "res" }, n)))),
            h(
              "button",
              {
                class: "danger",
                "data-testid": "prune-button",
                onclick: async (e: Event) => {
                  const button = e.currentTarget as HTMLButtonElement;
                  if (!confirm(`Remove ${dustbin.join(", ")} from tether.yaml? (the same as \`tether prune\`)`)) return;
                  button.disabled = true;
                  try {
                    await this.onPrune();
                  } finally {
                    button.disabled = false;
                  }
                },
              },
              "Remove unused",
            ),
          )
        : "",
    );
  }
}

function statementView(st: Statement, onOpen: Open): HTMLElement {
  return h(
    "li",
    { class: "statement", "data-testid": "permission-statement" },
    h("div", { class: "st-actions" }, st.actions.map((a) => h("code", {}, a))),
    h("div", { class: "st-on muted" }, "on ", st.on ?? st.resources.join(", ")),
    st.sources.length
      ? h(
          "ul",
          { class: "st-sources" },
          st.sources.map((src) =>
            h(
              "li",
              {},
              h(
                "a",
                {
                  class: "src",
                  href: "#",
                  "data-testid": "permission-source",
                  "data-file": src.file,
                  "data-line": src.line,
                  title: `Open ${src.file}:${src.line}`,
                  onclick: (e: Event) => (e.preventDefault(), onOpen({ file: src.file, line: src.line })),
                },
                `${src.file}:${src.line}`,
              ),
              src.origin ? h("span", { class: "muted src-origin" }, ` ${src.origin}`) : null,
            ),
          ),
        )
      : null,
    (st.notes ?? []).map((n) => h("div", { class: "muted st-note" }, n)),
  );
}

// --- bottom panel ---------------------------------------------------------------------------

export type BottomTab = "problems" | "output" | "run" | "tests" | "logs";

export class BottomPanel {
  readonly el: HTMLElement;
  private readonly tabs = new Map<BottomTab, { button: HTMLElement; pane: HTMLElement }>();
  private readonly problemsList: HTMLElement;
  private readonly problemsCount: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly body: HTMLElement;
  private current: BottomTab = "problems";
  onShow: (key: BottomTab) => void = () => undefined;

  constructor(private readonly onOpen: Open) {
    this.problemsList = h("div", { class: "problems", role: "list" });
    this.problemsCount = h("span", { class: "count" }, "0");
    this.bar = h("div", { class: "bottom-tabs", role: "tablist" });
    this.body = h("div", { class: "bottom-body" });
    this.add("problems", [document.createTextNode("Problems "), this.problemsCount], h("div", { class: "bottom-pane", "data-testid": "problems-panel" }, this.problemsList));
    // Dragging the top edge resizes the panel (the run and output panes want room).
    const grip = h("div", { class: "bottom-grip", "data-testid": "bottom-grip", title: "Drag to resize" });
    grip.addEventListener("pointerdown", (down) => {
      const column = this.el.parentElement;
      if (!column) return;
      grip.setPointerCapture(down.pointerId);
      const move = (e: PointerEvent) => {
        const rect = column.getBoundingClientRect();
        const height = Math.min(Math.max(rect.bottom - e.clientY, 90), rect.height - 120);
        document.documentElement.style.setProperty("--bottom-h", `${Math.round(height)}px`);
      };
      const up = () => {
        grip.removeEventListener("pointermove", move);
        grip.removeEventListener("pointerup", up);
      };
      grip.addEventListener("pointermove", move);
      grip.addEventListener("pointerup", up);
    });
    this.el = h("section", { class: "panel bottom-panel", "data-testid": "bottom-panel" }, grip, this.bar, this.body);
    this.show("problems");
  }

  /** A tab and its pane; panes are built by their own modules (deploy.ts, run.ts). */
  add(key: BottomTab, label: Node[], pane: HTMLElement): HTMLElement {
    const button = h("button", { class: "btab", role: "tab", "data-testid": `bottom-tab-${key}`, onclick: () => this.show(key) }, ...label);
    pane.classList.add("bottom-pane");
    this.bar.append(button);
    this.body.append(pane);
    this.tabs.set(key, { button, pane });
    pane.hidden = key !== this.current;
    return button;
  }

  show(key: BottomTab): void {
    this.current = key;
    for (const [k, { button, pane }] of this.tabs) {
      button.classList.toggle("active", k === key);
      button.setAttribute("aria-selected", String(k === key));
      pane.hidden = k !== key;
    }
    this.onShow(key);
  }

  setProblems(problems: Problem[], stale: boolean): void {
    const errors = problems.filter((p) => p.severity === "error").length;
    const warnings = problems.filter((p) => p.severity === "warning").length;
    this.problemsCount.textContent = String(problems.length);
    this.problemsCount.className = `count${errors ? " count-error" : warnings ? " count-warning" : ""}`;
    this.problemsList.classList.toggle("stale", stale);
    if (!problems.length) {
      this.problemsList.replaceChildren(h("p", { class: "muted note", "data-testid": "no-problems" }, "No problems: the project file and the code agree."));
      return;
    }
    const sorted = [...problems].sort(
      (a, b) => rank(a.severity) - rank(b.severity) || (a.file ?? "").localeCompare(b.file ?? "") || (a.line ?? 0) - (b.line ?? 0),
    );
    this.problemsList.replaceChildren(
      ...sorted.map((p) => {
        const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ""}${p.column ? `:${p.column}` : ""}` : "";
        return h(
          "div",
          {
            class: `problem problem-${p.severity}`,
            role: "listitem",
            tabindex: 0,
            "data-testid": "problem-row",
            "data-severity": p.severity,
            "data-file": p.file ?? "",
            "data-line": p.line ?? "",
            onclick: () => p.file && this.onOpen({ file: p.file, line: p.line ?? 1 }),
            onkeydown: (e: Event) => {
              if ((e as KeyboardEvent).key === "Enter" && p.file) this.onOpen({ file: p.file, line: p.line ?? 1 });
            },
          },
          h("span", { class: `sev sev-${p.severity}` }, p.severity === "error" ? "✖" : p.severity === "warning" ? "▲" : "ℹ"),
          h("span", { class: "msg" }, p.message, p.hint ? h("span", { class: "hint" }, ` — ${p.hint}`) : null),
          h("span", { class: "where" }, where),
        );
      }),
    );
  }
}

function rank(severity: string): number {
  return severity === "error" ? 0 : severity === "warning" ? 1 : 2;
}

// --- status line ----------------------------------------------------------------------------

export interface StatusActions {
  openPlan(): void;
  switchTarget(): void;
  toggleLocal(running: boolean): void;
}

export class StatusLine {
  readonly el: HTMLElement;
  private readonly plan: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly conn: HTMLElement;
  private readonly cursor: HTMLElement;
  private readonly where: HTMLElement;
  private readonly cloud: HTMLElement;
  private readonly cloudButton: HTMLButtonElement;
  private cloudRunning = false;

  constructor(actions: StatusActions) {
    this.where = h("button", {
      class: "st-where st-button",
      "data-testid": "status-stage",
      title: "Switch the target and stage that plan, deploy and invoke use",
      onclick: () => actions.switchTarget(),
    });
    this.counts = h("span", { class: "st-counts", "data-testid": "status-problems" });
    this.plan = h(
      "button",
      { class: "st-plan st-button", "data-testid": "status-plan", title: "What a deploy would do now", onclick: () => actions.openPlan() },
      "plan: …",
    );
    this.cloud = h("span", { class: "st-cloud", "data-testid": "status-local" }, "local cloud …");
    this.cloudButton = h(
      "button",
      { class: "st-mini", "data-testid": "local-toggle", onclick: () => actions.toggleLocal(this.cloudRunning) },
      "…",
    );
    this.conn = h("span", { class: "st-conn", "data-testid": "status-connection" }, "connecting…");
    this.cursor = h("span", { class: "st-cursor", "data-testid": "status-cursor" });
    this.el = h(
      "footer",
      { class: "status", "data-testid": "status-line" },
      this.where,
      h("span", { class: "st-group" }, this.cloud, this.cloudButton),
      this.counts,
      this.plan,
      h("span", { class: "spacer" }),
      this.cursor,
      this.conn,
    );
    document.addEventListener("tether-cursor", (e) => {
      const { path, line, column } = (e as CustomEvent).detail as { path: string; line: number; column: number };
      this.cursor.textContent = `${path}  Ln ${line}, Col ${column}`;
      this.cursor.dataset.path = path;
      this.cursor.dataset.line = String(line);
    });
  }

  setWhere(project: string, stage: string, target: string): void {
    this.where.textContent = `${project} · ${stage} · ${target} ▾`;
  }

  /** null: not known yet (or the server cannot say). */
  setLocal(running: boolean | null, endpoint: string | null = null, busy = false): void {
    this.cloudRunning = Boolean(running);
    this.cloud.textContent = running === null ? "local cloud ?" : running ? "● local cloud running" : "○ local cloud stopped";
    this.cloud.title = endpoint ?? "";
    this.cloud.dataset.state = running === null ? "unknown" : running ? "running" : "stopped";
    this.cloudButton.textContent = busy ? "…" : running ? "Stop" : "Start";
    this.cloudButton.disabled = busy || running === null;
  }

  setCursorHidden(): void {
    this.cursor.textContent = "";
  }

  setPlan(plan: PlanSummary): void {
    this.plan.textContent = plan.text;
    this.plan.dataset.path = plan.path;
    this.plan.title = plan.reason ? `What a deploy would do now: ${plan.reason}` : "What a deploy would do now";
    this.plan.className = `st-plan st-button path-${plan.path}${plan.data_at_risk ? " at-risk" : ""}`;
  }

  setCounts(errors: number, warnings: number): void {
    this.counts.textContent = `✖ ${errors}  ▲ ${warnings}`;
    this.counts.className = `st-counts${errors ? " has-errors" : ""}`;
  }

  setConnected(connected: boolean): void {
    this.conn.textContent = connected ? "● live" : "○ reconnecting…";
    this.conn.classList.toggle("down", !connected);
  }
}
