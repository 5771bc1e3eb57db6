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

/** A function as the project has it: its settings resolved (the project's runtime, the default
 * memory and timeout when tether.yaml sets none), its environment as tether.yaml declares it
 * (not the variables Tether adds for the resources it uses). */
export interface FunctionInfo {
  handler: string;
  runtime: string;
  memory: number;
  timeout: number;
  description: string; // "" when unset
  environment: Record<string, string>;
  triggers: Trigger[];
  operations: Operation[];
}

/** A project resource's settings as tether.yaml writes them; {} for an external resource. */
export interface ResourceSettings {
  retain?: boolean; // data resources: bucket, table, topic, queue
  versioning?: boolean; // s3.bucket
  key?: Record<string, string>; // dynamodb.table: {attribute: "S" | "N" | "B"}
  stream?: string | null; // dynamodb.table
  indexes?: Record<string, Record<string, string>>; // dynamodb.table
  visibility_timeout?: number; // sqs.queue
  expression?: string; // schedule
  [setting: string]: unknown;
}

export interface ResourceInfo {
  type: string;
  external: string | null;
  env: string | null;
  used_by: string[];
  settings: ResourceSettings;
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

// --- step 2: deploy, run, test (see the contract's "Step 2") ---------------------------------

export type Target = "local" | "aws";

export interface LocalStatus {
  running: boolean;
  endpoint: string | null;
  pid: number | null;
  target: Target;
  stage: string;
}

export interface PlanChange {
  action: "add" | "modify" | "replace" | "remove" | string;
  owner: string;
  reason: string;
  resource_type: string;
}

export interface PermissionDelta {
  function: string;
  added: string[];
  removed: string[];
  sources?: Record<string, SourceRef[]>;
}

export interface DataRisk {
  resource: string;
  type: string;
  physical_id: string;
  holds: string;
  action: "remove" | "replace" | string;
  decision: "blocked" | "delete" | "retain" | "external" | "empty" | string;
}

export interface Plan {
  stack: string;
  stage: string;
  target: Target;
  noop: boolean;
  path: "quick" | "full" | "none";
  reason: string;
  changes: PlanChange[];
  permissions: PermissionDelta[];
  risks: DataRisk[];
  blocked: string[];
}

export type DeployMessage =
  | { type: "deploy"; op?: string; event: "started"; stage: string; stack?: string; files?: string[]; on_save?: boolean }
  | { type: "deploy"; op?: string; event: "say"; text: string }
  | {
      type: "deploy";
      op?: string;
      event: "resource";
      owner: string;
      logical_id: string;
      resource_type: string;
      status: string;
      reason?: string | null;
      timestamp?: string | number | null;
    }
  | {
      type: "deploy";
      op?: string;
      event: "done";
      path: string;
      reason: string;
      seconds: number;
      functions?: string[];
      outputs?: Record<string, string>;
      notes?: string[];
      uploaded_bytes?: number;
      ms_from_save?: number;
    }
  | { type: "deploy"; op?: string; event: "failed"; message: string; hint?: string | null; blocked?: string[] };

export interface TraceFrame {
  file: string;
  line: number;
  text?: string;
}

export interface InvokeResult {
  function: string;
  result: unknown;
  error: string | null;
  logs: string;
  milliseconds: number;
  trace?: TraceFrame[];
}

export interface TestCase {
  name: string;
  file: string;
  function: string;
}

export interface TestOutcome {
  name: string;
  passed: boolean;
  failures: string[];
  milliseconds: number;
  logs?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  milliseconds: number;
}

export interface PermissionSource {
  file: string;
  line: number;
  origin?: string;
  action?: string;
  text?: string;
}

export interface Statement {
  sid?: string;
  actions: string[];
  resources: string[];
  on?: string;
  grants?: string[];
  sources: PermissionSource[];
  notes?: string[];
}

// --- step 3: authoring (the palette, drag and drop, dialogs) ---------------------------------

export type FieldInput = "int" | "text" | "bool" | "choice" | "multi" | "keys";

/** One setting of a resource, trigger or function, as the catalogue describes it. */
export interface Field {
  name: string;
  label: string;
  input: FieldInput;
  required: boolean;
  default: unknown;
  choices: string[] | null;
  help: string;
}

export interface OperationParam {
  name: string;
  required: boolean;
  default: string | null;
  help: string;
}

export interface CatalogueOperation {
  id: string;
  label: string;
  method: string;
  actions: string[];
  params: OperationParam[];
  help: string;
}

export interface CatalogueKind {
  type: string;
  label: string;
  icon: string;
  may_be_external: boolean;
  settings: Field[];
  trigger: { kind: string; settings: Field[] } | null;
  operations: CatalogueOperation[];
}

export interface EventValue {
  expr: string;
  label: string;
}

export interface Catalogue {
  kinds: CatalogueKind[];
  event_values: Record<string, EventValue[]>;
  function_settings: Field[];
}

export interface ExistingItems {
  target: Target;
  items: { name: string; arn: string }[];
}

export interface ScheduleCheck {
  valid: boolean;
  next: string[];
  message: string | null;
  hint: string | null;
}

/** What an authoring action would do (preview) or did (apply). */
export interface Edit {
  title: string;
  diff: string;
  changes: { path: string; new: boolean; diff: string }[];
  permissions: string[];
  removed_permissions: string[];
  environment: string[];
  notes: string[];
  where: SourceRef | null;
  applied?: boolean;
}

export type AuthoringAction =
  | { action: "add_resource"; name: string; type: string; settings: Record<string, unknown>; external: string | null }
  | { action: "add_trigger"; function: string; resource: string; settings: Record<string, unknown> }
  | {
      action: "add_operation";
      function: string | null;
      resource: string;
      operation: string;
      file: string;
      line: number;
      params: Record<string, string>;
    }
  | { action: "add_function"; name: string; handler: string; settings: Record<string, unknown> }
  | { action: "remove_resource"; name: string }
  | { action: "remove_trigger"; function: string; index: number }
  /** Change (a value) or reset (null) settings of a function's `index`th trigger (0-based). */
  | { action: "set_trigger"; function: string; index: number; settings: Record<string, unknown> }
  | { action: "remove_function"; name: string }
  | {
      action: "set_function";
      function: string;
      settings: Record<string, unknown>;
      environment: Record<string, string | null>;
    }
  | { action: "set_resource"; name: string; settings: Record<string, unknown> }
  | { action: "rename_resource"; name: string; new: string };
