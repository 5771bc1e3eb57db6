// The IDE page: wires the panels to the server. Every fact shown comes from the server's API
// (the same services the CLI uses); this file only decides when to ask and where to show it.

import "./style.css";

import { api, ApiError, connectEvents } from "./api";
import { Authoring, type ToastAction } from "./authoring";
import { h } from "./dom";
import { GRAPH_TAB, Workbench } from "./editor";
import { OutputPane, PlanView, TargetSwitcher } from "./deploy";
import { GraphView } from "./graph";
import { BottomPanel, FileTree, SidePanel, StatusLine } from "./panels";
import { LogsPane, RunPane, TestsPane } from "./run";
import type { DeployMessage, Graph, Info, PlanSummary, ProjectReport, ServerEvent, SourceRef, Target } from "./types";

const TYPING_PAUSE_MS = 400;

type Toast = (message: string, kind?: "info" | "error", action?: ToastAction, body?: HTMLElement) => HTMLElement;

/** Short notes in a corner, one with an action button (Undo) maybe, and more to read (`body`:
 * an edit's notes, with links) maybe; `box` must be put in the page. */
function toastHost(): { box: HTMLElement; toast: Toast } {
  const box = h("div", { class: "toasts", "data-testid": "toasts", "aria-live": "polite" });
  const toast: Toast = (message, kind = "info", action, body) => {
    const note = h("div", { class: `toast toast-${kind}${body ? " toast-long" : ""}`, "data-testid": "toast" }, h("span", { class: "toast-text" }, message));
    if (action) {
      note.append(
        h("button", {
          class: "toast-action",
          "data-testid": action.testid ?? "toast-action",
          onclick: () => {
            note.remove();
            action.run();
          },
        }, action.label),
      );
    }
    if (body) {
      note.append(
        h("button", { class: "toast-close", title: "Close", "aria-label": "Close", "data-testid": "toast-close", onclick: () => note.remove() }, "×"),
        body,
      );
    }
    box.append(note);
    // A note with something to click stays long enough to click it; one with more to read
    // (notes of things to do by hand) longer, and not while the pointer is on it.
    const life = body ? 30000 : action ? 12000 : kind === "error" ? 8000 : 4000;
    let timer = window.setTimeout(() => note.remove(), life);
    if (body) {
      note.addEventListener("mouseenter", () => window.clearTimeout(timer));
      note.addEventListener("mouseleave", () => (timer = window.setTimeout(() => note.remove(), 8000)));
    }
    return note;
  };
  return { box, toast };
}

function fatal(title: string, detail: string): void {
  document.body.replaceChildren(
    h("div", { class: "fatal", "data-testid": "fatal" }, h("h1", {}, title), h("p", {}, detail)),
  );
}

async function start(): Promise<void> {
  let info: Info;
  try {
    info = await api.info();
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      fatal("This page needs the IDE's token", "Open the URL that `tether ide` printed (it ends with ?token=...).");
    } else {
      fatal("The IDE server did not answer", err instanceof Error ? err.message : String(err));
    }
    return;
  }
  document.title = `${info.project} · Tether`;
  const { box: toasts, toast } = toastHost();

  let report: ProjectReport = { functions: {}, resources: {}, unused: [], problems: [], markers: [] };
  // Checks race (typing, saves, pushes): a result is shown only if nothing newer was asked since.
  let asked = 0;
  let shown = 0;
  let typingTimer: number | undefined;

  const open = (source: SourceRef) => void workbench.open(source.file, source.line);
  const tree = new FileTree(info.project, (path) => void workbench.open(path));
  const side = new SidePanel(open, async () => {
    try {
      const { removed } = await api.prune();
      toast(removed.length ? `Removed ${removed.join(", ")} from tether.yaml` : "Nothing to remove");
      void refreshProject();
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), "error");
    }
  });
  const bottom = new BottomPanel(open);
  const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

  // --- deploy, run, test ---
  const stagePill = h("span", { class: "pill", "data-testid": "top-stage" }, `stage ${info.stage}`);
  const targetPill = h("span", { class: "pill", "data-testid": "top-target" }, `target ${info.target}`);
  const switcher = new TargetSwitcher(async (target: Target, stage: string) => {
    try {
      info = await api.setTarget(target, stage);
      status.setWhere(info.project, info.stage, info.target);
      stagePill.textContent = `stage ${info.stage}`;
      targetPill.textContent = `target ${info.target}`;
      toast(`Plan, deploy and invoke now use stage ${info.stage} on ${info.target === "local" ? "the local cloud" : "AWS"}`);
      void refreshPlan();
      void refreshLocal();
      if (planView.isOpen) void planView.refresh();
    } catch (err) {
      toast(errorText(err), "error");
      throw err;
    }
  });
  /** tether.yaml's line that declares a resource (the report's source, else found in the text). */
  const locate = async (resource: string): Promise<SourceRef> => {
    const known = report.resources[resource]?.source;
    const match = known ? /^(.*):(\d+)$/.exec(known) : null;
    if (match) return { file: match[1], line: Number(match[2]) };
    const lines = (await api.readFile("tether.yaml")).content.split("\n");
    const top = lines.findIndex((l) => /^resources:\s*$/.test(l));
    const at = lines.findIndex((l, i) => i > top && new RegExp(`^\\s+${resource.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\s*$`).test(l));
    // Not declared (any more): the resources section, where it would go back.
    return { file: "tether.yaml", line: at >= 0 ? at + 1 : top + 1 || 1 };
  };
  const planView = new PlanView({
    // The plan covers the editor: step aside for the file (the choices made are kept).
    open: (source) => {
      planView.close();
      open(source);
    },
    locate,
    toast,
    deploy: async (del) => {
      bottom.show("output");
      output.begin(`Deploy requested${del.length ? ` (deleting ${del.join(", ")})` : ""}…`);
      try {
        await api.deploy(del);
      } catch (err) {
        output.handle({ type: "deploy", event: "failed", message: errorText(err), hint: err instanceof ApiError ? err.hint : null });
        throw err;
      }
    },
  });
  const output = new OutputPane(() => void planView.show(), toast);
  output.onFinished = () => {
    planView.setDeploying(false);
    if (planView.isOpen) void planView.refresh();
    void refreshPlan();
    void refreshLocal();
  };
  const run = new RunPane(open, toast);
  const tests = new TestsPane(open, toast);
  const logs = new LogsPane(toast);
  run.onSavedCase = () => {
    bottom.show("tests");
  };
  bottom.add("output", [document.createTextNode("Output")], output.el);
  bottom.add("run", [document.createTextNode("Run")], run.el);
  bottom.add("tests", [document.createTextNode("Tests")], tests.el);
  bottom.add("logs", [document.createTextNode("Logs")], logs.el);
  bottom.onShow = (key) => {
    if (key === "tests") void tests.refresh();
    if (key === "run") run.show();
    // Run, Output, Tests and Logs want more room than the problems list: grow once, on demand.
    const root = document.documentElement;
    if (key !== "problems" && !root.style.getPropertyValue("--bottom-h")) {
      root.style.setProperty("--bottom-h", `${Math.round(Math.max(200, Math.min(340, window.innerHeight * 0.4)))}px`);
    }
  };
  side.onRun = (fn) => {
    run.pick(fn);
    bottom.show("run");
  };

  let localBusy = false;
  const refreshLocal = async () => {
    try {
      const local = await api.local();
      status.setLocal(local.target === "local" ? local.running : local.running, local.endpoint, localBusy);
    } catch {
      status.setLocal(null);
    }
  };
  const status = new StatusLine({
    openPlan: () => void planView.show(),
    switchTarget: () => switcher.toggle(info.target, info.stage),
    toggleLocal: async (running) => {
      localBusy = true;
      status.setLocal(running, null, true);
      try {
        const local = running ? await api.localStop() : await api.localStart();
        localBusy = false;
        status.setLocal(local.running, local.endpoint);
        toast(local.running ? `The local cloud runs at ${local.endpoint}` : "The local cloud stopped");
      } catch (err) {
        localBusy = false;
        toast(errorText(err), "error");
        void refreshLocal();
      }
    },
  });
  status.setWhere(info.project, info.stage, info.target);
  const graph = new GraphView(open);
  const center = h("main", { class: "center" });
  const authoring: Authoring = new Authoring({
    report: () => report,
    toast,
    open: (source): Promise<void> => workbench.open(source.file, source.line),
    isDirty: (path): boolean => workbench.isDirty(path),
    reload: (paths): Promise<void> => workbench.onDiskChange(paths),
    refreshEditors: () => {
      workbench.refreshDiagnostics();
      renderSide();
    },
    refreshProject: () => refreshProject(),
  });
  side.authoring = authoring;
  const workbench: Workbench = new Workbench(center, graph.el, {
    onEdit: () => {
      window.clearTimeout(typingTimer);
      typingTimer = window.setTimeout(() => void checkUnsaved(), TYPING_PAUSE_MS);
    },
    onSaved: (path) => toast(`Saved ${path}`),
    onActivate: (key) => {
      tree.setActive(key === GRAPH_TAB ? null : key);
      if (key === GRAPH_TAB) status.setCursorHidden();
    },
    diagnosticsFor: (path) => ({
      problems: report.problems.filter((p) => p.file === path),
      markers: (report.markers ?? []).filter((m) => m.file === path),
    }),
    toast,
    extensions: (path) => authoring.editorExtension(path),
    effects: (path) => authoring.editorEffects(path),
  });

  document.body.replaceChildren(
    h(
      "div",
      { class: "app", "data-testid": "ide" },
      h(
        "header",
        { class: "topbar" },
        h("span", { class: "logo" }, "Tether"),
        h("span", { class: "project" }, info.project),
        h("span", { class: "root", title: info.root }, info.root),
        h("span", { class: "spacer" }),
        stagePill,
        targetPill,
      ),
      tree.el,
      h("div", { class: "center-column" }, center, bottom.el),
      side.el,
      status.el,
      switcher.el,
    ),
    toasts,
  );
  center.append(planView.el);

  // While the project fails to load (tether.yaml does not parse, say) the server knows no
  // functions or resources; the panels keep the last good picture, marked as such.
  let lastGood: ProjectReport | null = null;
  let lastGoodGraph: Graph | null = null;
  const broken = (r: ProjectReport) =>
    r.problems.some((p) => p.severity === "error") && Object.keys(r.functions).length + Object.keys(r.resources).length === 0;
  const STALE = "The project has errors: showing it as it was when it last loaded.";

  const renderSide = () => {
    if (broken(report) && lastGood) side.render(lastGood, STALE);
    else side.render(report);
  };

  const apply = (next: ProjectReport) => {
    report = next;
    bottom.setProblems(next.problems, false);
    run.setProject(next);
    logs.setProject(next);
    tree.setProblems(next.problems);
    if (!broken(next)) lastGood = next;
    renderSide();
    const errors = next.problems.filter((p) => p.severity === "error").length;
    status.setCounts(errors, next.problems.filter((p) => p.severity === "warning").length);
    workbench.refreshDiagnostics();
  };

  /** Re-check: on the unsaved texts when there are any, else the project as it is on disk. */
  const checkUnsaved = async () => {
    const ticket = ++asked;
    const unsaved = workbench.unsaved();
    try {
      const next = Object.keys(unsaved).length ? await api.check(unsaved) : await api.project();
      if (ticket > shown) {
        shown = ticket;
        apply(next);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && Array.isArray(err.body.problems)) {
        if (ticket > shown) {
          shown = ticket;
          apply({ ...report, problems: err.body.problems as ProjectReport["problems"] });
        }
      } else {
        toast(err instanceof Error ? err.message : String(err), "error");
      }
    }
  };

  const refreshProject = checkUnsaved;

  const refreshGraph = async () => {
    try {
      const next = await api.graph();
      if (next.nodes.length === 0 && broken(report) && lastGoodGraph) {
        graph.render(lastGoodGraph, STALE);
      } else {
        if (next.nodes.length) lastGoodGraph = next;
        graph.render(next);
      }
    } catch (err) {
      graph.showError(err instanceof Error ? err.message : String(err));
    }
  };

  const refreshFiles = async () => {
    try {
      tree.setFiles((await api.files()).files);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), "error");
    }
  };

  const refreshPlan = async () => {
    try {
      status.setPlan(await api.planSummary());
    } catch (err) {
      status.setPlan({ text: "plan unknown", path: "unknown", reason: err instanceof Error ? err.message : String(err) });
    }
  };

  let filesTimer: number | undefined;
  const deploying = () => output.el.querySelector(".output-state.running") !== null;
  const onEvent = (event: ServerEvent) => {
    if (event.type === "files") {
      const changed = (event as { changed: string[] }).changed ?? [];
      void workbench.onDiskChange(changed);
      window.clearTimeout(filesTimer);
      filesTimer = window.setTimeout(() => void refreshFiles(), 100);
      if (changed.some((p) => p.startsWith("events/"))) void tests.refresh();
    } else if (event.type === "project") {
      // The server's re-check reads the files on disk; while a tab has unsaved edits, what the
      // user sees must reflect those, so ask again with them.
      if (workbench.hasUnsaved()) {
        void checkUnsaved();
      } else {
        shown = ++asked;
        apply(event as unknown as ProjectReport);
      }
      void refreshGraph();
      // A plan on screen follows the project (a `retain: true` just saved, say).
      if (planView.isOpen && !deploying()) void planView.refresh();
    } else if (event.type === "plan") {
      status.setPlan(event as unknown as PlanSummary);
    } else if (event.type === "deploy") {
      const msg = event as unknown as DeployMessage;
      if (msg.event === "started") planView.setDeploying(true);
      output.handle(msg);
    } else if (event.type === "logs") {
      const { function: fn, lines } = event as unknown as { function: string; lines: string[] };
      logs.handle(fn, lines ?? []);
    }
  };
  let everConnected = false;
  connectEvents(onEvent, (connected) => {
    status.setConnected(connected);
    if (connected && everConnected) {
      // Anything may have changed while we were away.
      void refreshFiles();
      void refreshProject();
      void refreshGraph();
      void refreshPlan();
      void refreshLocal();
    }
    everConnected ||= connected;
  });

  window.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s" && !e.defaultPrevented) {
      e.preventDefault();
      if (workbench.activeKey !== GRAPH_TAB) void workbench.save();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (workbench.hasUnsaved()) e.preventDefault();
  });

  // The graph is what the page opens on: draw it first, then fill the panels (a project of a
  // hundred functions makes a long side panel to lay out).
  const graphDrawn = refreshGraph();
  await Promise.all([graphDrawn, graphDrawn.then(refreshProject), refreshFiles(), refreshPlan(), refreshLocal(), authoring.load()]);
  document.body.dataset.ready = "true";
}

void start();
