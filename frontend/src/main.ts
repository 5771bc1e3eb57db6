// The IDE page: wires the panels to the server. Every fact shown comes from the server's API
// (the same services the CLI uses); this file only decides when to ask and where to show it.

import "./style.css";

import { api, ApiError, connectEvents } from "./api";
import { h } from "./dom";
import { GRAPH_TAB, Workbench } from "./editor";
import { GraphView } from "./graph";
import { BottomPanel, FileTree, SidePanel, StatusLine } from "./panels";
import type { Graph, PlanSummary, ProjectReport, ServerEvent, SourceRef } from "./types";

const TYPING_PAUSE_MS = 400;

function toastHost(): (message: string, kind?: "info" | "error") => void {
  const box = h("div", { class: "toasts", "data-testid": "toasts", "aria-live": "polite" });
  document.body.append(box);
  return (message, kind = "info") => {
    const toast = h("div", { class: `toast toast-${kind}`, "data-testid": "toast" }, message);
    box.append(toast);
    setTimeout(() => toast.remove(), kind === "error" ? 8000 : 4000);
  };
}

function fatal(title: string, detail: string): void {
  document.body.replaceChildren(
    h("div", { class: "fatal", "data-testid": "fatal" }, h("h1", {}, title), h("p", {}, detail)),
  );
}

async function start(): Promise<void> {
  let info;
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
  const toast = toastHost();

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
  const status = new StatusLine();
  status.setWhere(info.project, info.stage, info.target);
  const graph = new GraphView(open);
  const center = h("main", { class: "center" });
  const workbench = new Workbench(center, graph.el, {
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
        h("span", { class: "pill" }, `stage ${info.stage}`),
        h("span", { class: "pill" }, `target ${info.target}`),
      ),
      tree.el,
      h("div", { class: "center-column" }, center, bottom.el),
      side.el,
      status.el,
    ),
  );

  // While the project fails to load (tether.yaml does not parse, say) the server knows no
  // functions or resources; the panels keep the last good picture, marked as such.
  let lastGood: ProjectReport | null = null;
  let lastGoodGraph: Graph | null = null;
  const broken = (r: ProjectReport) =>
    r.problems.some((p) => p.severity === "error") && Object.keys(r.functions).length + Object.keys(r.resources).length === 0;
  const STALE = "The project has errors: showing it as it was when it last loaded.";

  const apply = (next: ProjectReport) => {
    report = next;
    bottom.setProblems(next.problems, false);
    tree.setProblems(next.problems);
    if (broken(next) && lastGood) {
      side.render(lastGood, STALE);
    } else {
      if (!broken(next)) lastGood = next;
      side.render(next);
    }
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
  const onEvent = (event: ServerEvent) => {
    if (event.type === "files") {
      const changed = (event as { changed: string[] }).changed ?? [];
      void workbench.onDiskChange(changed);
      window.clearTimeout(filesTimer);
      filesTimer = window.setTimeout(() => void refreshFiles(), 100);
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
    } else if (event.type === "plan") {
      status.setPlan(event as unknown as PlanSummary);
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

  await Promise.all([refreshFiles(), refreshProject(), refreshGraph(), refreshPlan()]);
  document.body.dataset.ready = "true";
}

void start();
