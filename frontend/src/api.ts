// Same-origin calls to the IDE server. The per-run token travels in the HttpOnly cookie the
// server set on the first visit, so every request just sends credentials; there is no CORS.

import type {
  AuthoringAction,
  Catalogue,
  Edit,
  ExistingItems,
  FileContent,
  FileEntry,
  Graph,
  HttpAnswer,
  Info,
  InvokeResult,
  LocalStatus,
  Plan,
  PlanSummary,
  ProjectReport,
  ScheduleCheck,
  ServerEvent,
  Statement,
  Target,
  TestCase,
  TestOutcome,
} from "./types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint: string | null,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    throw new ApiError(0, "network", "The IDE server is not reachable (is `tether ide` still running?)", null, {});
  }
  const text = await response.text();
  let data: Record<string, unknown> = {};
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { message: text };
  }
  if (!response.ok) {
    const message = typeof data.message === "string" ? data.message : `${method} ${url} failed (${response.status})`;
    throw new ApiError(
      response.status,
      typeof data.error === "string" ? data.error : "error",
      message,
      typeof data.hint === "string" ? data.hint : null,
      data,
    );
  }
  return data as T;
}

const q = encodeURIComponent;

export const api = {
  info: () => call<Info>("GET", "/api/info"),
  project: () => call<ProjectReport>("GET", "/api/project"),
  check: (unsaved: Record<string, string>) => call<ProjectReport>("POST", "/api/check", { unsaved }),
  files: () => call<{ files: FileEntry[] }>("GET", "/api/files"),
  readFile: (path: string) => call<FileContent>("GET", `/api/file?path=${q(path)}`),
  saveFile: (path: string, content: string, version: string | null) =>
    call<{ path: string; version: string }>("PUT", "/api/file", { path, content, version }),
  graph: () => call<Graph>("GET", "/api/graph"),
  planSummary: () => call<PlanSummary>("GET", "/api/plan/summary"),
  prune: () => call<{ removed: string[] }>("POST", "/api/prune"),
  permissions: (fn: string) => call<{ function: string; statements: Statement[] }>("GET", `/api/permissions?function=${q(fn)}`),

  // step 2: deploy, run, test
  local: () => call<LocalStatus>("GET", "/api/local"),
  localStart: () => call<LocalStatus>("POST", "/api/local/start"),
  localStop: () => call<LocalStatus>("POST", "/api/local/stop"),
  setTarget: (target: Target, stage: string) => call<Info>("POST", "/api/target", { target, stage }),
  plan: (del: string[]) => call<Plan>("POST", "/api/plan", { delete: del }),
  deploy: (del: string[], mode: "auto" | "quick" | "full" = "auto") =>
    call<{ op: string }>("POST", "/api/deploy", { delete: del, mode }),
  dev: (enabled: boolean) => call<{ enabled: boolean }>("POST", "/api/dev", { enabled }),
  eventKinds: () => call<{ kinds: string[] }>("GET", "/api/events/kinds"),
  newEvent: (kind: string, resource?: string) =>
    call<{ event: unknown }>("GET", `/api/events/new?kind=${q(kind)}${resource ? `&resource=${q(resource)}` : ""}`),
  invoke: (fn: string, event: unknown) => call<InvokeResult>("POST", "/api/invoke", { function: fn, event }),
  tests: () => call<{ cases: TestCase[]; problems?: unknown[] }>("GET", "/api/tests"),
  saveTest: (name: string, fn: string, event: unknown) =>
    call<{ file: string }>("POST", "/api/tests", { name, function: fn, event }),
  runTests: (names: string[] | null) =>
    call<{ outcomes: TestOutcome[]; passed: number; failed: number }>("POST", "/api/tests/run", { names }),
  logs: (fn: string, since = 600) => call<{ lines: string[] }>("GET", `/api/logs?function=${q(fn)}&since=${since}`),
  followLogs: (fn: string | null) => call<unknown>("POST", "/api/logs/follow", { function: fn }),
  http: (req: { function?: string; method: string; path: string; headers: Record<string, string>; body: string }) =>
    call<HttpAnswer>("POST", "/api/http", req),
};

/** One WebSocket for server events, reconnected with backoff when it drops. */
export function connectEvents(
  onEvent: (event: ServerEvent) => void,
  onState: (connected: boolean) => void,
): void {
  let delay = 500;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/events`);
    socket.onopen = () => {
      delay = 500;
      onState(true);
    };
    socket.onmessage = (message) => {
      try {
        onEvent(JSON.parse(String(message.data)) as ServerEvent);
      } catch (err) {
        console.error("bad event from the IDE server", err);
      }
    };
    socket.onclose = () => {
      onState(false);
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 8000);
    };
  };
  open();
}

// step 3: authoring (see the contract's "authoring" endpoints)
export const authoringApi = {
  catalogue: () => call<Catalogue>("GET", "/api/authoring/catalogue"),
  existing: (type: string) => call<ExistingItems>("GET", `/api/authoring/existing?type=${q(type)}`),
  schedule: (expression: string) => call<ScheduleCheck>("GET", `/api/authoring/schedule?expression=${q(expression)}`),
  preview: (action: AuthoringAction) => call<Edit>("POST", "/api/authoring/preview", action),
  apply: (action: AuthoringAction) => call<Edit>("POST", "/api/authoring/apply", action),
  undo: () => call<{ undone: boolean; title: string }>("POST", "/api/authoring/undo", {}),
};
