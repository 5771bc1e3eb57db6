// Plan, deploy and the local cloud: the Plan view (over the editor), the Output pane that streams
// a deploy's progress from the WebSocket, and the target switcher. The server plans and deploys
// (the CLI's pipeline); this module shows what it says and never deploys without a click.

import { api, ApiError } from "./api";
import { h } from "./dom";
import type { DataRisk, DeployMessage, Plan, SourceRef, Target } from "./types";

type Toast = (message: string, kind?: "info" | "error") => void;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What the user chose for a resource whose data the deploy would lose. */
type Choice = "delete" | "retain" | "external";

const CHANGE_WORDS: Record<string, string> = { add: "add", modify: "update", replace: "replace", remove: "remove" };

export interface PlanHost {
  open(source: SourceRef): void;
  /** tether.yaml's line that declares a resource. */
  locate(resource: string): Promise<SourceRef>;
  /** The user clicked Deploy with these deletions. */
  deploy(del: string[]): Promise<void>;
  toast: Toast;
}

export class PlanView {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly deployButton: HTMLButtonElement;
  private readonly gate: HTMLElement;
  private readonly choices = new Map<string, Choice>();
  private plan: Plan | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private deploying = false;

  constructor(private readonly host: PlanHost) {
    this.body = h("div", { class: "plan-body", "data-testid": "plan-body" });
    this.deployButton = h(
      "button",
      { class: "primary", "data-testid": "deploy-button", disabled: true, onclick: () => void this.deploy() },
      "Deploy",
    );
    this.gate = h("span", { class: "plan-gate", "data-testid": "plan-gate" });
    this.el = h(
      "section",
      { class: "plan-view", "data-testid": "plan-view", hidden: true, role: "dialog", "aria-label": "Plan" },
      h(
        "header",
        { class: "plan-head" },
        h("h2", {}, "Plan"),
        h("span", { class: "plan-where", "data-testid": "plan-where" }),
        h("span", { class: "spacer" }),
        this.gate,
        h("button", { "data-testid": "plan-refresh", onclick: () => void this.refresh() }, "Re-plan"),
        this.deployButton,
        h("button", { class: "close", "data-testid": "plan-close", title: "Close (Esc)", onclick: () => this.close() }, "×"),
      ),
      this.body,
    );
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.close();
    });
  }

  get isOpen(): boolean {
    return !this.el.hidden;
  }

  async show(): Promise<void> {
    this.el.hidden = false;
    await this.refresh();
  }

  close(): void {
    this.el.hidden = true;
  }

  /** Ask the server for the plan (with the deletions chosen so far). One request at a time:
   * a plan holds the stage's lock on the server, so a second one at once would be refused as
   * "busy"; asks made meanwhile fold into one more request after it. */
  refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = (async () => {
      try {
        do {
          this.again = false;
          await this.planOnce();
        } while (this.again && this.isOpen);
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  private async planOnce(): Promise<void> {
    this.deployButton.disabled = true;
    this.body.classList.add("busy");
    if (!this.plan) this.body.replaceChildren(h("p", { class: "muted note" }, "Planning… (diffing the deployed stack against the project)"));
    try {
      this.plan = await api.plan(this.deletions());
      // A choice holds only for a risk the plan still names; a stale "delete" would make the
      // server refuse the plan, so it is dropped and the plan asked again without it.
      const atRisk = new Set(this.plan.risks.map((r) => r.resource));
      for (const [name, choice] of [...this.choices]) {
        if (atRisk.has(name)) continue;
        this.choices.delete(name);
        if (choice === "delete") this.again = true;
      }
      this.render();
    } catch (err) {
      this.plan = null;
      const hint = err instanceof ApiError && err.hint ? err.hint : null;
      this.body.replaceChildren(
        h(
          "div",
          { class: "plan-error", "data-testid": "plan-error" },
          h("b", {}, "The plan could not be made: "),
          message(err),
          hint ? h("div", { class: "hint" }, hint) : null,
          this.deletions().length
            ? h("button", { onclick: () => (this.choices.clear(), void this.refresh()) }, "Forget my choices and plan again")
            : null,
        ),
      );
      this.updateGate();
    } finally {
      this.body.classList.remove("busy");
    }
  }

  setDeploying(deploying: boolean): void {
    this.deploying = deploying;
    this.updateGate();
  }

  private deletions(): string[] {
    return [...this.choices].filter(([, c]) => c === "delete").map(([name]) => name);
  }

  /** Names the deploy would refuse: at risk, and no decision recorded in tether.yaml or here. */
  private undecided(): string[] {
    if (!this.plan) return [];
    const atRisk = new Set([...this.plan.blocked, ...this.plan.risks.filter((r) => r.decision === "blocked").map((r) => r.resource)]);
    return [...atRisk].filter((name) => this.choices.get(name) !== "delete");
  }

  private updateGate(): void {
    const undecided = this.undecided();
    const plan = this.plan;
    let why = "";
    if (!plan) why = "no plan";
    else if (this.deploying) why = "a deploy is running";
    else if (undecided.length) why = `choose what happens to ${undecided.join(", ")}`;
    this.gate.textContent = why && plan ? why : "";
    this.deployButton.disabled = Boolean(why);
    // A deploy with nothing to change still records the stage's state (and checks the code).
    this.deployButton.textContent = plan?.noop ? "Deploy anyway" : "Deploy";
  }

  private async deploy(): Promise<void> {
    if (this.deployButton.disabled) return;
    this.setDeploying(true);
    try {
      await this.host.deploy(this.deletions());
      // Choices are for this deploy only: the next risk needs its own click.
      this.choices.clear();
    } catch (err) {
      this.setDeploying(false);
      this.host.toast(message(err), "error");
    }
  }

  private render(): void {
    const plan = this.plan;
    if (!plan) return;
    this.el.querySelector<HTMLElement>("[data-testid=plan-where]")!.textContent = `${plan.stack} · stage ${plan.stage} · target ${plan.target}`;
    const path = h(
      "p",
      { class: `plan-path path-${plan.path}`, "data-testid": "plan-path" },
      plan.noop ? "Nothing to deploy: the stage already runs this project." : `${plan.path === "quick" ? "⚡ Quick path" : plan.path === "full" ? "Full deploy" : "No deploy"}: ${plan.reason}`,
    );

    const changes = plan.changes.length
      ? h(
          "table",
          { class: "plan-changes", "data-testid": "plan-changes" },
          plan.changes.map((c) =>
            h(
              "tr",
              { class: `change change-${c.action}`, "data-testid": "plan-change", "data-action": c.action },
              h("td", { class: "change-action" }, CHANGE_WORDS[c.action] ?? c.action),
              h("td", { class: "change-owner" }, c.owner),
              h("td", { class: "change-reason muted" }, c.reason),
              h("td", { class: "change-type muted" }, c.resource_type),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No resource changes.");

    const grantLinks = (delta: Plan["permissions"][number], grant: string) =>
      (delta.sources?.[grant] ?? []).map((s) =>
        h("a", { class: "src", href: "#", "data-testid": "plan-permission-source", onclick: (e: Event) => (e.preventDefault(), this.host.open(s)) }, `${s.file}:${s.line}`),
      );
    const permissions = plan.permissions.filter((p) => p.added.length || p.removed.length);
    const perms = permissions.length
      ? h(
          "ul",
          { class: "plan-perms", "data-testid": "plan-permissions" },
          permissions.map((p) =>
            h(
              "li",
              {},
              h("b", {}, p.function),
              h(
                "ul",
                {},
                p.added.map((g) => h("li", { class: "perm-added", "data-testid": "plan-permission-added" }, h("span", { class: "sign" }, "+"), h("code", {}, g), " ", ...grantLinks(p, g))),
                p.removed.map((g) => h("li", { class: "perm-removed", "data-testid": "plan-permission-removed" }, h("span", { class: "sign" }, "−"), h("code", {}, g), " ", ...grantLinks(p, g))),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No permission changes.");

    const risks = plan.risks.length
      ? h("div", { class: "plan-risks", "data-testid": "plan-risks" }, plan.risks.map((r) => this.riskRow(r)))
      : h("p", { class: "muted", "data-testid": "plan-no-risk" }, "No data at risk.");

    this.body.replaceChildren(
      path,
      h("h3", {}, `Changes (${plan.changes.length})`),
      changes,
      h("h3", {}, "Permissions"),
      perms,
      h("h3", {}, `Data at risk (${plan.risks.length})`),
      risks,
    );
    this.updateGate();
  }

  private riskRow(risk: DataRisk): HTMLElement {
    const decided = risk.decision !== "blocked" && !(risk.decision === "delete" && this.choices.get(risk.resource) === "delete");
    const what = `${risk.resource} (${risk.type}) ${risk.holds}; this deploy would ${risk.action === "replace" ? "replace" : "remove"} it`;
    const row = h("div", { class: `risk${decided ? " decided" : ""}`, "data-testid": `risk-${risk.resource}`, "data-decision": risk.decision });
    if (decided) {
      row.append(h("div", { class: "risk-what" }, "⚠ ", what), h("div", { class: "risk-decision" }, `decided: ${risk.decision}`));
      return row;
    }
    const chosen = this.choices.get(risk.resource) ?? null;
    const option = (choice: Choice, label: string) =>
      h(
        "label",
        { class: `risk-choice${chosen === choice ? " chosen" : ""}` },
        h("input", {
          type: "radio",
          name: `risk-${risk.resource}`,
          value: choice,
          "data-testid": `risk-${risk.resource}-${choice}`,
          checked: chosen === choice,
          onchange: () => this.choose(risk.resource, choice),
        }),
        label,
      );
    row.append(
      h("div", { class: "risk-what" }, "⚠ ", what, risk.physical_id ? h("code", { class: "muted" }, ` ${risk.physical_id}`) : null),
      h(
        "div",
        { class: "risk-choices" },
        option("delete", "Delete it and its data"),
        option("retain", "Retain it (kept, no longer managed)"),
        option("external", "Make it external"),
      ),
    );
    if (chosen === "delete") {
      row.append(h("div", { class: "risk-confirm", "data-testid": `risk-${risk.resource}-confirm` }, `Deploy will delete ${risk.physical_id || risk.resource} and what it holds. This cannot be undone.`));
    }
    if (chosen === "retain" || chosen === "external") {
      // The pipeline only honours a Retain already in the deployed template, so a resource that
      // is being removed stays declared (with the line) for one deploy and goes in the next.
      const line = chosen === "retain" ? "retain: true" : `external: ${risk.physical_id || risk.resource}`;
      const removed = risk.action === "remove";
      const how =
        chosen === "retain"
          ? removed
            ? ["Keep ", h("code", {}, `${risk.resource}:`), " declared in tether.yaml with this line, deploy, then remove it:"]
            : ["Add this line under ", h("code", {}, `${risk.resource}:`), " in tether.yaml and deploy it before this change:"]
          : ["Declare ", h("code", {}, `${risk.resource}:`), " in tether.yaml as external, by its name (Tether then never creates or deletes it):"];
      row.append(
        h(
          "div",
          { class: "risk-edit", "data-testid": `risk-${risk.resource}-edit` },
          ...how,
          h("pre", { class: "yaml-line", "data-testid": "risk-yaml-line" }, line),
          h("div", { class: "muted" }, "Save it, then open the plan again (status line): your choices are kept."),
          h(
            "button",
            {
              "data-testid": `risk-${risk.resource}-open`,
              onclick: async () => {
                try {
                  this.host.open(await this.host.locate(risk.resource));
                } catch (err) {
                  this.host.toast(message(err), "error");
                }
              },
            },
            "Open tether.yaml at ",
            risk.resource,
          ),
          h("button", { onclick: () => void navigator.clipboard?.writeText(line) }, "Copy line"),
        ),
      );
    }
    return row;
  }

  private choose(resource: string, choice: Choice): void {
    const before = this.choices.get(resource);
    this.choices.set(resource, choice);
    // Deleting changes what the server plans (the name travels in "delete"); the other two
    // wait for the user's edit of tether.yaml.
    if (choice === "delete" || before === "delete") void this.refresh();
    else this.render();
  }
}

// --- output --------------------------------------------------------------------------------

const STATUS_CLASS = (status: string) =>
  /FAILED/.test(status)
    ? "st-failed"
    : /ROLLBACK/.test(status)
      ? "st-rollback"
      : /IN_PROGRESS/.test(status)
        ? "st-progress"
        : /COMPLETE/.test(status)
          ? "st-complete"
          : "st-other";

export class OutputPane {
  readonly el: HTMLElement;
  private readonly log: HTMLElement;
  private readonly state: HTMLElement;
  private readonly devToggle: HTMLInputElement;
  private readonly saveTimes: HTMLElement;
  private lastSaveMs: number[] = [];
  private lastOutputs = "";
  onFinished: (ok: boolean) => void = () => undefined;

  constructor(
    private readonly onPlan: () => void,
    private readonly toast: Toast,
  ) {
    this.log = h("div", { class: "output-log", "data-testid": "output-log", role: "log", "aria-live": "polite" });
    this.state = h("span", { class: "output-state", "data-testid": "deploy-state" }, "idle");
    this.devToggle = h("input", { type: "checkbox", "data-testid": "dev-toggle", onchange: () => void this.setDev(this.devToggle.checked) });
    this.saveTimes = h("span", { class: "muted", "data-testid": "dev-times" });
    this.el = h(
      "div",
      { "data-testid": "output-panel", class: "output-pane" },
      h(
        "div",
        { class: "pane-toolbar" },
        h("button", { "data-testid": "output-plan", onclick: () => this.onPlan() }, "Plan & deploy…"),
        this.state,
        h("span", { class: "spacer" }),
        h("label", { class: "toggle", title: "Deploy each save, as `tether dev` does" }, this.devToggle, " deploy on save"),
        this.saveTimes,
        h("button", { "data-testid": "output-clear", onclick: () => this.log.replaceChildren() }, "Clear"),
      ),
      this.log,
    );
    this.log.append(h("p", { class: "muted note" }, "Deploy progress streams here: the path taken (quick or full, and why) and each resource event."));
  }

  private async setDev(enabled: boolean): Promise<void> {
    try {
      const answer = await api.dev(enabled);
      this.devToggle.checked = answer.enabled;
      this.line("say", answer.enabled ? "Deploy on save is on: each save deploys the quick path when it can." : "Deploy on save is off.");
    } catch (err) {
      this.devToggle.checked = !enabled;
      this.toast(message(err), "error");
    }
  }

  private line(kind: string, ...content: (Node | string | null)[]): HTMLElement {
    const row = h("div", { class: `out out-${kind}`, "data-testid": `out-${kind}` }, ...content);
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 30;
    this.log.append(row);
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
    return row;
  }

  begin(text: string): void {
    this.log.querySelector(".note")?.remove();
    this.state.textContent = "deploying…";
    this.state.className = "output-state running";
    this.line("begin", text);
  }

  handle(msg: DeployMessage): void {
    this.log.querySelector(".note")?.remove();
    switch (msg.event) {
      case "started":
        this.state.textContent = "deploying…";
        this.state.className = "output-state running";
        // A deploy on save starts before the project is loaded, so it names the saved files.
        this.line(
          "started",
          msg.on_save
            ? `Deploying ${(msg.files ?? []).join(", ")} to stage ${msg.stage} (saved)`
            : `Deploying stack ${msg.stack ?? ""} (stage ${msg.stage})`,
        );
        break;
      case "say":
        this.line("say", msg.text);
        break;
      case "resource": {
        const time = msg.timestamp ? String(msg.timestamp).replace(/^.*T(\d\d:\d\d:\d\d).*$/, "$1") : "";
        this.line(
          "resource",
          h("span", { class: "out-time muted" }, time),
          h("span", { class: `out-status ${STATUS_CLASS(msg.status)}`, "data-status": msg.status }, msg.status),
          h("span", { class: "out-owner" }, msg.owner || msg.logical_id),
          h("span", { class: "muted" }, ` ${msg.resource_type}`),
          msg.reason ? h("div", { class: `out-reason ${STATUS_CLASS(msg.status)}` }, msg.reason) : null,
        );
        break;
      }
      case "done": {
        this.state.textContent = "deployed";
        this.state.className = "output-state ok";
        const saved = msg.ms_from_save !== undefined ? ` · live ${msg.ms_from_save} ms after the save` : "";
        this.line("done", `✔ Deployed in ${msg.seconds.toFixed(1)} s by the ${msg.path} path: ${msg.reason}${saved}`);
        if (msg.ms_from_save !== undefined) {
          this.lastSaveMs = [...this.lastSaveMs, msg.ms_from_save].slice(-5);
          this.saveTimes.textContent = `save → live: ${this.lastSaveMs.map((ms) => `${ms} ms`).join(", ")}`;
        }
        for (const note of msg.notes ?? []) this.line("note", note);
        const outputs = Object.entries(msg.outputs ?? {});
        if (outputs.length) {
          // Each deploy on save ends with the same outputs: shown open only when they changed.
          const key = JSON.stringify(outputs);
          const changed = key !== this.lastOutputs;
          this.lastOutputs = key;
          this.line(
            "outputs",
            h(
              "details",
              { open: changed },
              h("summary", { class: "muted" }, changed ? `Outputs (${outputs.length})` : `Outputs (${outputs.length}, unchanged)`),
              h(
                "table",
                { class: "outputs", "data-testid": "deploy-outputs" },
                outputs.map(([k, v]) =>
                  h(
                    "tr",
                    { "data-testid": `output-${k}` },
                    h("td", { class: "muted" }, k),
                    h("td", {}, /^https?:\/\//.test(v) ? h("a", { href: v, target: "_blank", rel: "noopener noreferrer", "data-testid": "output-url" }, v) : v),
                  ),
                ),
              ),
            ),
          );
        }
        this.onFinished(true);
        break;
      }
      case "failed":
        this.state.textContent = "failed";
        this.state.className = "output-state failed";
        this.line(
          "failed",
          h("b", {}, "✖ Deploy failed: "),
          msg.message,
          msg.hint ? h("div", { class: "hint" }, msg.hint) : null,
          msg.blocked?.length ? h("div", {}, `Data at risk needs a choice: ${msg.blocked.join(", ")} `, h("button", { onclick: () => this.onPlan() }, "Open the plan")) : null,
        );
        this.onFinished(false);
        break;
    }
  }
}

// --- target and stage ----------------------------------------------------------------------

export class TargetSwitcher {
  readonly el: HTMLElement;
  private readonly target: HTMLSelectElement;
  private readonly stage: HTMLInputElement;

  constructor(private readonly apply: (target: Target, stage: string) => Promise<void>) {
    this.target = h("select", { "data-testid": "target-select" }, h("option", { value: "local" }, "local cloud"), h("option", { value: "aws" }, "AWS"));
    this.stage = h("input", { "data-testid": "stage-input", size: 10, spellcheck: "false" });
    const form = h(
      "form",
      { class: "popover target-switch", "data-testid": "target-switch" },
      h("label", {}, "target ", this.target),
      h("label", {}, "stage ", this.stage),
      h("button", { type: "submit", class: "primary", "data-testid": "target-apply" }, "Switch"),
      h("button", { type: "button", onclick: () => this.hide() }, "Cancel"),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const stage = this.stage.value.trim();
      if (!/^[a-z][a-z0-9-]{0,15}$/.test(stage)) {
        this.stage.setCustomValidity("1-16 lowercase letters, digits and hyphens, starting with a letter (dev, prod)");
        this.stage.reportValidity();
        return;
      }
      void this.apply(this.target.value as Target, stage).then(() => this.hide());
    });
    this.stage.addEventListener("input", () => this.stage.setCustomValidity(""));
    form.addEventListener("keydown", (e) => e.key === "Escape" && this.hide());
    this.el = form;
    this.el.hidden = true;
  }

  toggle(target: Target, stage: string): void {
    if (!this.el.hidden) return this.hide();
    this.target.value = target;
    this.stage.value = stage;
    this.el.hidden = false;
    this.stage.focus();
  }

  hide(): void {
    this.el.hidden = true;
  }
}
