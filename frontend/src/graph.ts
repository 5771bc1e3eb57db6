// The project as a picture: the server lays out the graph (layered, unused resources apart);
// this module only draws it as SVG and turns clicks into "open the file at the line behind it".

import { h, s } from "./dom";
import type { Graph, GraphEdge, GraphNode, SourceRef } from "./types";

const RESOURCE_ICONS: Record<string, string> = {
  "s3.bucket": "S3",
  "dynamodb.table": "DDB",
  "sns.topic": "SNS",
  "sqs.queue": "SQS",
  schedule: "CRON",
  "http.api": "HTTP",
  function: "λ",
};

export class GraphView {
  readonly el: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly emptyEl: HTMLElement;
  private scale = 1;
  private graph: Graph | null = null;

  constructor(private readonly onOpen: (source: SourceRef) => void) {
    const zoom = (factor: number | null) => () => {
      this.scale = factor === null ? 1 : Math.min(3, Math.max(0.25, this.scale * factor));
      this.applyScale();
    };
    this.canvas = h("div", { class: "graph-canvas" });
    this.emptyEl = h("div", { class: "graph-empty", hidden: true });
    this.el = h(
      "div",
      { class: "graph-pane", "data-testid": "graph-pane" },
      h(
        "div",
        { class: "graph-toolbar" },
        h("span", { class: "legend" },
          h("span", { class: "lg lg-trigger" }, "trigger →"),
          h("span", { class: "lg lg-operation" }, "operation →"),
          h("span", { class: "lg lg-external" }, "external"),
          h("span", { class: "lg lg-unused" }, "unused"),
        ),
        h("span", { class: "spacer" }),
        h("button", { title: "Zoom out", onclick: zoom(1 / 1.25) }, "−"),
        h("button", { title: "Actual size", onclick: zoom(null) }, "100%"),
        h("button", { title: "Zoom in", onclick: zoom(1.25) }, "+"),
      ),
      this.emptyEl,
      this.canvas,
    );
  }

  showError(message: string): void {
    this.emptyEl.hidden = false;
    this.emptyEl.textContent = message;
  }

  render(graph: Graph, staleNote?: string): void {
    this.graph = graph;
    this.el.classList.toggle("stale", Boolean(staleNote));
    this.emptyEl.hidden = graph.nodes.length > 0 && !staleNote;
    this.emptyEl.textContent =
      staleNote ?? (graph.nodes.length ? "" : "No functions or resources yet: declare them in tether.yaml.");
    const svg = s(
      "svg",
      {
        class: "graph",
        "data-testid": "graph",
        xmlns: "http://www.w3.org/2000/svg",
        viewBox: `0 0 ${graph.width} ${graph.height}`,
        role: "img",
        "aria-label": "project graph",
      },
      s(
        "defs",
        {},
        ...["trigger", "operation"].map((kind) =>
          s(
            "marker",
            { id: `arrow-${kind}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
            s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrowhead arrowhead-${kind}` }),
          ),
        ),
      ),
    );
    const unused = graph.nodes.filter((n) => n.unused);
    if (unused.length) svg.append(this.unusedBox(unused));
    const edgeLayer = s("g", { class: "edges" });
    const nodeLayer = s("g", { class: "nodes" });
    const labelLayer = s("g", { class: "edge-labels" });
    svg.append(edgeLayer, nodeLayer, labelLayer);
    // Labels go where they overlap neither a node nor another label, if the route allows.
    const placed: Box[] = graph.nodes.map((n) => ({ x0: n.x, y0: n.y, x1: n.x + n.w, y1: n.y + n.h }));
    for (const edge of graph.edges) this.drawEdge(edge, edgeLayer, labelLayer, placed);
    for (const node of graph.nodes) nodeLayer.append(this.drawNode(node, svg));
    this.canvas.replaceChildren(svg);
    this.applyScale();
  }

  private applyScale(): void {
    const svg = this.canvas.querySelector("svg");
    if (!svg || !this.graph) return;
    svg.setAttribute("width", String(Math.round(this.graph.width * this.scale)));
    svg.setAttribute("height", String(Math.round(this.graph.height * this.scale)));
  }

  private open(source: SourceRef | null | undefined): void {
    if (source?.file) this.onOpen(source);
  }

  private drawNode(node: GraphNode, svg: SVGElement): SVGElement {
    const classes = ["node", `node-${node.kind}`, `type-${node.type.replace(/\./g, "-")}`];
    if (node.external) classes.push("external");
    if (node.unused) classes.push("unused");
    const icon = RESOURCE_ICONS[node.type] ?? node.type;
    const subtitle = node.kind === "function" ? "function" : `${node.type}${node.external ? " · external" : ""}`;
    const title = node.source ? `${node.label} — ${node.source.file}:${node.source.line}` : node.label;
    const g = s(
      "g",
      {
        class: classes.join(" "),
        "data-testid": "graph-node",
        "data-node-id": node.id,
        transform: `translate(${node.x},${node.y})`,
        tabindex: 0,
      },
      s("title", {}, title),
      s("rect", { "data-node-id": node.id, width: node.w, height: node.h, rx: 6, ry: 6 }),
      s("text", { class: "node-icon", x: 8, y: node.h / 2 + 4 }, icon),
      s("text", { class: "node-label", x: 48, y: node.h / 2 - 2 }, node.label),
      s("text", { class: "node-type", x: 48, y: node.h / 2 + 12 }, subtitle),
    );
    g.addEventListener("click", () => this.open(node.source));
    g.addEventListener("keydown", (e) => {
      if ((e as KeyboardEvent).key === "Enter") this.open(node.source);
    });
    g.addEventListener("mouseenter", () => this.highlight(svg, node.id, true));
    g.addEventListener("mouseleave", () => this.highlight(svg, node.id, false));
    return g;
  }

  private highlight(svg: SVGElement, id: string, on: boolean): void {
    svg.classList.toggle("focusing", on);
    for (const el of svg.querySelectorAll(`[data-from="${CSS.escape(id)}"], [data-to="${CSS.escape(id)}"]`)) {
      el.classList.toggle("hl", on);
    }
  }

  private drawEdge(edge: GraphEdge, edgeLayer: SVGElement, labelLayer: SVGElement, placed: Box[]): void {
    const points = edge.points;
    if (points.length < 2) return;
    const d = pathFor(points);
    const title = edge.source ? `${edge.label} — ${edge.source.file}:${edge.source.line}` : edge.label;
    const common = { "data-from": edge.from, "data-to": edge.to };
    const group = s(
      "g",
      { class: `edge edge-${edge.kind}`, "data-testid": "graph-edge", ...common },
      s("title", {}, title),
      s("path", { class: "edge-hit", d }),
      s("path", {
        class: "edge-line",
        d,
        "data-edge-id": edge.id,
        "marker-end": `url(#arrow-${edge.kind})`,
      }),
    );
    const size = textSize(edge.label, edge.kind);
    const [lx, ly] = labelPosition(points, size, placed);
    const label = s(
      "g",
      { class: `edge-label edge-${edge.kind}`, "data-testid": "edge-label", "data-label-for": edge.id, ...common },
      s("title", {}, title),
      s("rect", {
        class: "edge-label-bg",
        x: lx - size.width / 2 - 4,
        y: ly + LABEL_BASELINE - size.ascent - 1,
        width: size.width + 8,
        height: size.ascent + size.descent + 2,
        rx: 3,
      }),
      s("text", { x: lx, y: ly + LABEL_BASELINE, "text-anchor": "middle" }, edge.label),
    );
    for (const el of [group, label]) el.addEventListener("click", () => this.open(edge.source));
    edgeLayer.append(group);
    labelLayer.append(label);
  }

  private unusedBox(nodes: GraphNode[]): SVGElement {
    const pad = 14;
    const x0 = Math.min(...nodes.map((n) => n.x)) - pad;
    const y0 = Math.min(...nodes.map((n) => n.y)) - pad - 14;
    const x1 = Math.max(...nodes.map((n) => n.x + n.w)) + pad;
    const y1 = Math.max(...nodes.map((n) => n.y + n.h)) + pad;
    return s(
      "g",
      { class: "unused-box", "data-testid": "graph-unused" },
      s("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8 }),
      s("text", { x: x0 + 8, y: y0 + 14 }, "unused (no trigger, no operation)"),
    );
  }
}

/** The server's route is a polyline (straight segments between its points). */
function pathFor(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i ? "L" : "M"} ${x} ${y}`).join(" ");
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const LABEL_H = 14;
const LABEL_BASELINE = 4; // the text's baseline, below the label's centre

// The labels' fonts, as style.css sets them (.edge-label, .edge-label.edge-operation text).
const SANS = 'system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif';
const MONO = 'ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace';
const LABEL_FONTS: Record<string, string> = { trigger: `11px ${SANS}`, operation: `10.5px ${MONO}` };

interface TextSize {
  width: number;
  ascent: number;
  descent: number;
}

let measuring: CanvasRenderingContext2D | null = null;
const measured = new Map<string, TextSize>();

/**
 * A label's size, measured on a canvas with the font the page draws it in: no layout of the
 * page is needed, so a graph of hundreds of labels is drawn in one pass (measuring SVG text
 * with getBBox would lay the whole drawing out first).
 */
function textSize(text: string, kind: string): TextSize {
  const font = LABEL_FONTS[kind] ?? LABEL_FONTS.trigger;
  const key = `${font}\n${text}`;
  let size = measured.get(key);
  if (!size) {
    measuring ??= document.createElement("canvas").getContext("2d");
    if (measuring) {
      measuring.font = font;
      const m = measuring.measureText(text);
      size = { width: m.width, ascent: m.fontBoundingBoxAscent || 9, descent: m.fontBoundingBoxDescent || 3 };
    } else {
      size = { width: text.length * 6.3, ascent: 9, descent: 3 };
    }
    measured.set(key, size);
  }
  return size;
}

/** The point `fraction` of the way along a polyline. */
function along(points: [number, number][], fraction: number): [number, number] {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p[0] - points[i][0], p[1] - points[i][1]));
  let rest = lengths.reduce((x, y) => x + y, 0) * fraction;
  for (let i = 0; i < lengths.length; i++) {
    if (rest <= lengths[i] && lengths[i] > 0) {
      const t = rest / lengths[i];
      const [p, q] = [points[i], points[i + 1]];
      return [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
    }
    rest -= lengths[i];
  }
  return points[points.length - 1];
}

/** The direction of the route at `fraction`: true when that stretch runs vertically. */
function verticalAt(points: [number, number][], fraction: number): boolean {
  const [x0, y0] = along(points, Math.max(0, fraction - 0.01));
  const [x1, y1] = along(points, Math.min(1, fraction + 0.01));
  return Math.abs(y1 - y0) > Math.abs(x1 - x0);
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Where along the route a label may sit: the middle first, then outwards. */
const FRACTIONS = [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.15, 0.85, 0.1, 0.9];

/**
 * A spot for the label on (or beside) the route that overlaps the nodes and the labels placed
 * so far the least; among spots clear of everything, the one nearest the middle of the route
 * and nearest the line. Crowded corridors (many arrows between the same two columns) push a
 * label one or two label heights off its line rather than on top of another label.
 */
function labelPosition(points: [number, number][], size: TextSize, placed: Box[]): [number, number] {
  const halfW = size.width / 2 + 4;
  const boxAt = ([x, y]: [number, number]): Box => ({ x0: x - halfW, y0: y - LABEL_H / 2, x1: x + halfW, y1: y + LABEL_H / 2 });
  const step = LABEL_H + 2;
  let best: { point: [number, number]; score: number } | null = null;
  for (const fraction of FRACTIONS) {
    const [x, y] = along(points, fraction);
    const beside: [number, number][] = verticalAt(points, fraction)
      ? [[x, y], [x + halfW + 3, y], [x - halfW - 3, y], [x + halfW + 3, y - step], [x - halfW - 3, y + step]]
      : [0, -0.5, 0.5, -1.5, 1.5, -2.5, 2.5].map((shift) => [x, y + shift * step] as [number, number]);
    beside.forEach((point, i) => {
      const box = boxAt(point);
      const area = placed.reduce((sum, other) => sum + overlap(box, other), 0);
      const score = area * 4 + Math.abs(fraction - 0.5) * 20 + i * 4;
      if (!best || score < best.score) best = { point, score };
    });
  }
  const chosen = (best as { point: [number, number] } | null)?.point ?? along(points, 0.5);
  placed.push(boxAt(chosen));
  return chosen;
}
