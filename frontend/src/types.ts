// Shapes of the IDE server's JSON (see the API contract). Only what the front end reads.

export interface Problem {
  file: string | null;
  line: number | null;
  column?: number | null;
  end_line?: number | null;
  severity: "error" | "warning" | "info";
  message: string;
  hint?: string | null;
}

export interface Trigger {
  kind: string;
  resource: string;
  description: string;
  source?: string | null; // "file:line"
}

export interface Operation {
  resource: string;
  action: string;
  origin: "code" | "declared";
  source?: string | null; // "file:line"
}

export interface FunctionInfo {
  handler: string;
  memory?: number;
  timeout?: number;
  runtime?: string;
  triggers: Trigger[];
  operations: Operation[];
}

export interface ResourceInfo {
  type: string;
  external: string | null;
  env: string | null;
  used_by: string[];
  source?: string | null;
}

export interface Marker {
  file: string;
  line: number;
  column?: number;
  end_line?: number;
  kind: "operation";
  resource: string;
  actions: string[];
  function: string;
}

export interface ProjectReport {
  functions: Record<string, FunctionInfo>;
  resources: Record<string, ResourceInfo>;
  unused: string[];
  problems: Problem[];
  markers?: Marker[];
  /** Why no resource is called unused right now (a file cannot be read), or null. */
  unused_withheld?: string | null;
  summary?: { functions: number; resources: number; errors: number; warnings: number };
}

export interface Info {
  project: string;
  root: string;
  stage: string;
  target: "local" | "aws";
  version: string;
}

export interface FileEntry {
  path: string;
  kind: "file" | "dir";
  size?: number;
}

export interface FileContent {
  path: string;
  content: string;
  version: string;
}

export interface SourceRef {
  file: string;
  line: number;
}

export interface GraphNode {
  id: string;
  kind: "function" | "resource";
  type: string;
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
  external: boolean;
  unused: boolean;
  source?: SourceRef | null;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: "trigger" | "operation";
  label: string;
  points: [number, number][];
  source?: SourceRef | null;
}

export interface Graph {
  width: number;
  height: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface PlanSummary {
  text: string;
  path: "quick" | "full" | "none" | "unknown";
  changes?: number;
  permissions_added?: number;
  data_at_risk?: number;
  reason?: string;
}

export type ServerEvent =
  | { type: "files"; changed: string[] }
  | ({ type: "project" } & ProjectReport)
  | ({ type: "plan" } & PlanSummary)
  | { type: string; [key: string]: unknown };
