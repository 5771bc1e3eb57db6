// Builds the IDE front end into the Python package (src/tether/ide/static/): app.js, app.css and
// index.html. The first line of app.js and app.css names the sha256 of the sources they were
// built from (see sources_hash.py, which computes the same digest), so a test can tell without
// Node whether the shipped bundle is stale.  Usage: node build.mjs (or npm run build)

import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "src", "tether", "ide", "static");

/** The files the bundle depends on, relative to frontend/, sorted (POSIX separators). */
function sources() {
  const found = ["build.mjs", "package-lock.json", "tsconfig.json"];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(here, path).split(sep).join("/"));
    }
  };
  walk(join(here, "src"));
  return found.sort();
}

function sourcesHash() {
  const digest = createHash("sha256");
  for (const path of sources()) {
    const bytes = readFileSync(join(here, path));
    digest.update(`${path}\n${bytes.length}\n`);
    digest.update(bytes);
  }
  return digest.digest("hex");
}

const hash = sourcesHash();
const banner = `/* tether-ide-bundle sources-sha256=${hash} */`;
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: join(here, "src", "main.ts") },
  bundle: true,
  minify: true,
  target: "es2020",
  format: "iife",
  legalComments: "none",
  charset: "utf8",
  outdir: out,
  banner: { js: banner, css: banner },
  logLevel: "warning",
});
copyFileSync(join(here, "src", "index.html"), join(out, "index.html"));
console.log(`built ${relative(process.cwd(), out)} (sources ${hash.slice(0, 12)})`);
