// Doc test: every shell block of README.md, docs/api-by-example.md and docs/serving.md runs as
// written, in order, against a server started as the quick start starts it, and each command's
// output must be what the page shows. The convention (also in CONTRIBUTING.md, "Documentation"):
//
// - Blocks. Every fenced block whose language is sh, bash, shell or console runs. A block that
//   cannot run here says so, with its reason, in its info string: ```sh {no-test: the reason}.
//   The test lists each one it skips. There is no other way out.
// - Commands. A block is split into commands as bash reads them (a command continues over
//   `\`, open quotes and here-documents). They run one by one in one bash per page, under
//   `set -e -o pipefail`, so that variables and files carry over from block to block; stdin is
//   /dev/null. A command fails the test when its status is not 0. Since a pipeline fails with
//   any of its commands, `| head` (which may close the pipe before its writer is done) is
//   refused: `| sed -n 1,Np` reads everything.
// - HTTP errors. curl is run with --fail-with-body, so an HTTP error status fails the command,
//   unless the command shows the status itself (curl's -i, -I or -w), which is then compared
//   as output like the rest.
// - Shown output. `# ` comment lines right after a command (no blank line between) are its
//   output (stdout and stderr, as a terminal shows them). So is a fenced block that opens on
//   the line right after the shell block closes (```json, ```text, ```): the output of the
//   block's last command. A comment after a blank line is only a comment. A command that shows
//   no output is checked by its status alone.
// - Matching. `…` matches any text. Output shown as JSON ({ or [) is compared parsed: key order
//   and spacing do not matter, values do. In the shown JSON `…` may stand for a value, for any
//   number of array elements, or, as an object member, for the members not shown (without it
//   an object must have exactly the keys shown); inside a string it matches any text. A number
//   matches to the precision shown: 0.0402 matches 0.04021, 76.20 does not match 76.19. Other
//   output is compared as text, line ends and trailing spaces aside.
// - The quick-start server. Each page gets its own: `attrition serve --host 127.0.0.1 --port 0`
//   started, as scripts/run.sh starts it, from a scratch folder standing for the repository
//   root (model/ a copy of the repository's, since pages change serving.json; web/ a link; the
//   SQLite log in its var/; build/serve/src/attrition and `attrition` on PATH are the binary
//   under test). The pages say 127.0.0.1:8000 or localhost:8000; the test runs each command
//   with that address replaced by its server's. A command `bash scripts/run.sh FLAGS...` (a
//   page restarting the quick start with more flags, e.g. a keys file) stops the server and
//   starts it again from the same folder with those flags. `pidof attrition` names that
//   server's process (not every attrition process of the machine).
// - Not run: docs/install.md (it installs packages and starts system services as root), and the
//   README's Quick start block, marked {no-test: …}: this test is what it stands for.
//
// A second test checks that every relative link of README.md, CONTRIBUTING.md and docs/*.md
// names an existing file and, with #anchor, a heading of it.
//
// Environment (set by CTest, tests/docs/CMakeLists.txt):
//   ATTRITION_SOURCE_DIR  the repository root (the pages, model/, web/)
//   ATTRITION_BINARY      the attrition executable under test
//   ATTRITION_TEST_TMP    scratch folder
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run the doc test through ctest)`);
  return value;
}

const sourceDir = required("ATTRITION_SOURCE_DIR");
const binary = path.resolve(required("ATTRITION_BINARY"));
const scratch = required("ATTRITION_TEST_TMP");

export const PAGES = ["README.md", "docs/api-by-example.md", "docs/serving.md"];
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell", "console"]);
const QUICK_START_ADDRESS = /\b(?:localhost|127\.0\.0\.1):8000\b/g;
const RUN_SH = /^bash scripts\/run\.sh(?:\s+([^#]*?))?\s*(?:#.*)?$/;
const COMMAND_TIMEOUT_MS = 60000;

// ---------------------------------------------------------------- reading a page

// The fenced blocks of a Markdown text: {lang, noTest, line (of the opening fence), lines}.
export function fencedBlocks(text, page) {
  const lines = text.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`{]*)\s*(\{.*\})?\s*$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const block = { lang: open[2].toLowerCase(), line: i + 1, lines: [], noTest: null };
    if (open[3]) {
      const attr = /^\{\s*no-test:\s*(.*?)\s*\}$/.exec(open[3]);
      if (!attr) throw new Error(`${page}:${i + 1}: unknown block attributes ${open[3]} (only {no-test: reason})`);
      if (!attr[1]) throw new Error(`${page}:${i + 1}: {no-test: …} must give its reason`);
      block.noTest = attr[1];
    }
    let j = i + 1;
    while (j < lines.length && !(lines[j].trim().startsWith(fence) && lines[j].trim().replace(/[`~]/g, "") === "")) {
      block.lines.push(lines[j]);
      j++;
    }
    if (j === lines.length) throw new Error(`${page}:${i + 1}: the block is never closed`);
    block.closeLine = j + 1;
    blocks.push(block);
    i = j;
  }
  return blocks;
}

// Whether bash reads `text` as whole commands (no open quote, `\`, pipe, && or here-document).
function complete(text) {
  const heredocs = [...text.matchAll(/<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/g)];
  const lines = text.split("\n");
  for (const [, dash, , word] of heredocs) {
    if (!lines.slice(1).some((l) => (dash ? l.replace(/^\t+/, "") : l) === word)) return false;
  }
  if (/\\$/.test(text)) return false;
  return spawnSync("bash", ["-n"], { input: text, encoding: "utf8" }).status === 0;
}

// The commands of a shell block: {text, line, shown: [lines] | null}.
export function commandsOf(block, page) {
  const commands = [];
  let current = [];
  let currentLine = 0;
  let last = null;  // the command whose output comment lines may follow
  block.lines.forEach((line, k) => {
    const lineNo = block.line + 1 + k;
    if (current.length === 0) {
      if (line.trim() === "") {
        last = null;
        return;
      }
      if (line.trimStart().startsWith("#")) {
        if (last) (last.shown ??= []).push(line.trimStart().replace(/^# ?/, ""));
        return;
      }
      currentLine = lineNo;
    }
    current.push(line);
    const text = current.join("\n");
    if (complete(text)) {
      last = { text, line: currentLine, shown: null };
      commands.push(last);
      current = [];
    }
  });
  if (current.length) throw new Error(`${page}:${currentLine}: this command never ends (open quote, \\ or here-document)`);
  if (!commands.length) throw new Error(`${page}:${block.line}: a shell block without a command`);
  return commands;
}

// Everything the test runs of a page, in order, and the blocks it skips.
export function readPage(page, text) {
  const blocks = fencedBlocks(text, page);
  const commands = [];
  const skipped = [];
  blocks.forEach((block, b) => {
    if (!SHELL_LANGUAGES.has(block.lang)) return;
    if (block.noTest) {
      skipped.push(`${page}:${block.line}: not run: ${block.noTest}`);
      return;
    }
    const own = commandsOf(block, page);
    const next = blocks[b + 1];
    if (next && next.line === block.closeLine + 1 && !SHELL_LANGUAGES.has(next.lang)) {
      const lastCommand = own[own.length - 1];
      if (lastCommand.shown) {
        throw new Error(`${page}:${next.line}: an output block after a command that already shows its output in comments`);
      }
      lastCommand.shown = next.lines;
    }
    commands.push(...own);
  });
  return { commands, skipped };
}

// ---------------------------------------------------------------- comparing output

const ANY = Symbol("…");

// Parses shown JSON in which `…` may stand for a value, array elements or object members.
export function parsePattern(text) {
  let i = 0;
  const fail = (what) => { throw new Error(`${what} at character ${i} of the shown JSON`); };
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "…") { i++; return ANY; }
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(word, i)) { i += word.length; return { literal: v }; }
    }
    const number = /^-?\d+(?:\.(\d+))?(?:[eE]([+-]?\d+))?/.exec(text.slice(i));
    if (!number) fail("a value is expected");
    i += number[0].length;
    const decimals = (number[1] || "").length - Number(number[2] || 0);
    return { number: Number(number[0]), text: number[0], tolerance: number[1] || number[2] ? 0.5 * 10 ** -decimals : 0 };
  };
  const string = () => {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
    if (!match) fail("an unterminated string");
    i += match[0].length;
    const s = JSON.parse(match[0]);
    return s.includes("…") ? { glob: globRegExp(s), shown: s } : { literal: s };
  };
  const object = () => {
    i++;
    const result = { object: new Map(), open: false };
    ws();
    if (text[i] === "}") { i++; return result; }
    for (;;) {
      ws();
      if (text[i] === "…") { i++; result.open = true; }
      else {
        if (text[i] !== '"') fail("a key is expected");
        const key = string();
        if (!("literal" in key)) fail("a key may not hold …");
        ws();
        if (text[i] !== ":") fail("':' is expected");
        i++;
        result.object.set(key.literal, value());
      }
      ws();
      if (text[i] === ",") { i++; continue; }
      if (text[i] === "}") { i++; return result; }
      fail("',' or '}' is expected");
    }
  };
  const array = () => {
    i++;
    const items = [];
    ws();
    if (text[i] === "]") { i++; return { array: items }; }
    for (;;) {
      items.push(value());
      ws();
      if (text[i] === ",") { i++; continue; }
      if (text[i] === "]") { i++; return { array: items }; }
      fail("',' or ']' is expected");
    }
  };
  const result = value();
  ws();
  if (i !== text.length) fail("text after the JSON value");
  return result;
}

function globRegExp(shown) {
  const parts = shown.split("…").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join("[\\s\\S]*")}$`);
}

const show = (v) => (v === ANY ? "…" : JSON.stringify(v));

// null when `actual` matches `pattern`, else where and how it differs.
export function matchJson(pattern, actual, where = "$") {
  if (pattern === ANY) return null;
  if ("literal" in pattern) {
    return pattern.literal === actual ? null : `${where}: shown ${show(pattern.literal)}, got ${show(actual)}`;
  }
  if ("glob" in pattern) {
    return typeof actual === "string" && pattern.glob.test(actual)
      ? null : `${where}: shown ${show(pattern.shown)}, got ${show(actual)}`;
  }
  if ("number" in pattern) {
    const ok = typeof actual === "number" &&
      Math.abs(actual - pattern.number) <= pattern.tolerance * (1 + 1e-9) + 1e-12;
    return ok ? null : `${where}: shown ${pattern.text}, got ${show(actual)}`;
  }
  if ("object" in pattern) {
    if (typeof actual !== "object" || actual === null || Array.isArray(actual)) {
      return `${where}: shown an object, got ${show(actual)}`;
    }
    for (const [key, sub] of pattern.object) {
      if (!(key in actual)) return `${where}: shown key "${key}" is missing`;
      const problem = matchJson(sub, actual[key], `${where}.${key}`);
      if (problem) return problem;
    }
    if (!pattern.open) {
      const extra = Object.keys(actual).filter((k) => !pattern.object.has(k));
      if (extra.length) return `${where}: keys not shown: ${extra.join(", ")} (add … to the object to allow them)`;
    }
    return null;
  }
  if ("array" in pattern) {
    if (!Array.isArray(actual)) return `${where}: shown an array, got ${show(actual)}`;
    // Glob matching of elements: ANY stands for any number of them.
    let firstProblem = null;
    const go = (p, a) => {
      if (p === pattern.array.length) return a === actual.length;
      if (pattern.array[p] === ANY) {
        for (let k = a; k <= actual.length; k++) if (go(p + 1, k)) return true;
        return false;
      }
      if (a === actual.length) return false;
      const problem = matchJson(pattern.array[p], actual[a], `${where}[${a}]`);
      if (problem) { firstProblem ??= problem; return false; }
      return go(p + 1, a + 1);
    };
    if (go(0, 0)) return null;
    return firstProblem ?? `${where}: shown ${pattern.array.length} element(s) (… aside), got ${actual.length}`;
  }
  throw new Error("unreachable");
}

const normalize = (s) => s.replace(/\r\n/g, "\n").split("\n").map((l) => l.trimEnd()).join("\n").trim();

// null when the output matches what the page shows, else how it differs.
export function compareOutput(shownLines, actualText) {
  const shown = normalize(shownLines.join("\n"));
  const actual = normalize(actualText);
  if (/^[[{]/.test(shown)) {
    let pattern = null;
    try { pattern = parsePattern(shown); } catch { /* not JSON: compared as text */ }
    if (pattern) {
      let parsed;
      try { parsed = JSON.parse(actual); } catch { return "the page shows JSON, the output is not JSON"; }
      return matchJson(pattern, parsed);
    }
  }
  return globRegExp(shown).test(actual) ? null : "the output differs from the text shown";
}

// ---------------------------------------------------------------- running a page

const clip = (s, n = 3000) => (s.length > n ? `${s.slice(0, n)}… (${s.length - n} more characters)` : s);

class Server {
  constructor(root) { this.root = root; this.log = ""; }

  async start(flags) {
    if (flags.some((f) => f === "--port" || f.startsWith("--port=") || f === "--host" || f.startsWith("--host="))) {
      throw new Error(`bash scripts/run.sh ${flags.join(" ")}: the pages use the quick start's host and port`);
    }
    // scripts/run.sh: `attrition serve --host 127.0.0.1 --port 8000 FLAGS` from the repository root.
    const args = ["serve", "--host", "127.0.0.1", "--port", "0", ...flags];
    this.child = spawn(binary, args, { cwd: this.root, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
    const child = this.child;
    this.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    const from = this.log.length;
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start within 60 s:\n${this.log.slice(from)}`)), 60000);
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk) => {
        this.log += chunk;
        const match = /msg=listening .*port=(\d+)/.exec(this.log.slice(from));
        if (match) { clearTimeout(timer); resolve(Number(match[1])); }
      });
      child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the server exited (${code}) before listening:\n${this.log.slice(from)}`)); });
    });
    writeFileSync(path.join(this.root, ".doctest", "server.pid"), `${child.pid}\n`);
  }

  async stop() {
    if (!this.child) return;
    const child = this.child;
    this.child = null;
    child.kill("SIGTERM");
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`the server exited with ${code ?? signal}:\n${this.log}`);
  }
}

function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OC5_")));
  return { ...env, ...extra };
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || "").split(":")) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(`${name} is not installed`);
}

// A scratch folder standing for the repository root after the quick start.
function makeRoot(page) {
  mkdirSync(scratch, { recursive: true });
  const root = mkdtempSync(path.join(scratch, `docs-${path.basename(page, ".md")}-`));
  // A real copy, never a link: the pages write model/serving.json and add versions.
  cpSync(path.join(sourceDir, "model"), path.join(root, "model"), { recursive: true, dereference: true });
  if (lstatSync(path.join(root, "model")).isSymbolicLink() || !realpathSync(path.join(root, "model")).startsWith(realpathSync(root))) {
    throw new Error(`${root}/model is not a copy: the pages would change the repository's model/`);
  }
  symlinkSync(path.join(sourceDir, "web"), path.join(root, "web"));
  mkdirSync(path.join(root, "var"));
  mkdirSync(path.join(root, "build", "serve", "src"), { recursive: true });
  symlinkSync(binary, path.join(root, "build", "serve", "src", "attrition"));
  const bin = path.join(root, ".doctest", "bin");
  mkdirSync(path.join(root, ".doctest", "out"), { recursive: true });
  mkdirSync(bin);
  symlinkSync(binary, path.join(bin, "attrition"));
  const script = (name, body) => {
    writeFileSync(path.join(bin, name), body);
    chmodSync(path.join(bin, name), 0o755);
  };
  script("curl", `#!/bin/bash
# The doc test's curl: an HTTP error status fails, unless the command shows the status itself.
for arg in "$@"; do
  case "$arg" in
    --include | --head | --write-out | --write-out=*) exec ${findOnPath("curl")} "$@" ;;
    --*) ;;
    -*[iIw]*) exec ${findOnPath("curl")} "$@" ;;
  esac
done
exec ${findOnPath("curl")} --fail-with-body "$@"
`);
  script("pidof", `#!/bin/sh
# The doc test's pidof: \`pidof attrition\` is the page's server, not every attrition process here.
if [ "$*" != attrition ]; then echo "doc test: only 'pidof attrition' is supported, not 'pidof $*'" >&2; exit 1; fi
cat "${path.join(root, ".doctest", "server.pid")}"
`);
  return { root, bin };
}

// Runs the commands in one bash, one at a time; resolves with each command's status and output.
async function runPage(page, commands, t) {
  const { root, bin } = makeRoot(page);
  const server = new Server(root);
  await server.start([]);
  const out = path.join(root, ".doctest", "out");
  const bash = spawn("bash", ["--noprofile", "--norc"], {
    cwd: root,
    env: cleanEnv({ PATH: `${bin}:${process.env.PATH}`, HOME: root }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let waiter = null;
  bash.stdout.setEncoding("utf8");
  bash.stderr.setEncoding("utf8");
  bash.stderr.on("data", (c) => { stderr += c; });
  bash.stdout.on("data", (c) => {
    stdout += c;
    const done = /__doctest_done__ (\d+) (\d+)\n/.exec(stdout);
    if (done && waiter) {
      stdout = stdout.slice(done.index + done[0].length);
      waiter.resolve(Number(done[2]));
    }
  });
  const exited = new Promise((resolve) => bash.on("exit", (code) => resolve(code)));
  exited.then((code) => waiter?.resolve(code === 0 ? -1 : code));
  bash.stdin.write("set -e -o pipefail\n");
  const failures = [];
  try {
    for (const [n, command] of commands.entries()) {
      const where = `${page}:${command.line}`;
      if (/\|\s*head\b/.test(command.text)) {
        // Under pipefail, head closing the pipe early fails the command writing into it, now and then.
        throw new Error(`${where}: \`| head\` fails its writer now and then under pipefail; use \`| sed -n 1,Np\`:\n${command.text}`);
      }
      const restart = RUN_SH.exec(command.text.trim());
      if (restart) {
        await server.stop();
        await server.start(restart[1] ? restart[1].trim().split(/\s+/) : []);
        continue;
      }
      const text = command.text.replace(QUICK_START_ADDRESS, `127.0.0.1:${server.port}`);
      const file = path.join(out, String(n));
      const status = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${where}: no answer within ${COMMAND_TIMEOUT_MS / 1000} s:\n${command.text}`)), COMMAND_TIMEOUT_MS);
        waiter = { resolve: (s) => { clearTimeout(timer); resolve(s); } };
        bash.stdin.write(`{\n${text}\n} </dev/null >${JSON.stringify(file)} 2>&1\nprintf '__doctest_done__ %d %d\\n' ${n} $?\n`);
      });
      waiter = null;
      const output = existsSync(file) ? readFileSync(file, "utf8") : "";
      if (status !== 0) {
        const why = status === -1 ? "bash ended" : `status ${status}`;
        throw new Error(`${where}: the command failed (${why}):\n${command.text}\n--- its output:\n${output}${stderr}`);
      }
      if (command.shown) {
        const problem = compareOutput(command.shown, output);
        if (problem) {
          failures.push(`${where}: ${problem}\n${command.text}\n--- shown:\n${command.shown.join("\n")}\n--- got:\n${clip(output)}`);
        }
      }
    }
  } finally {
    bash.stdin.end();
    // A command still running (a test that timed out) must not keep the test alive.
    const killer = setTimeout(() => bash.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
    try {
      await server.stop();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  if (failures.length) {
    assert.fail(`${page}: ${failures.length} command(s) print other than the page shows:\n\n${failures.join("\n\n")}`);
  }
  t.diagnostic(`${page}: ${commands.length} commands run`);
}

// ---------------------------------------------------------------- links between the pages

// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
export function slug(heading) {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

function anchorsOf(file) {
  const seen = new Map();
  const anchors = new Set();
  let fence = null;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f) { fence = fence ? (line.trim().startsWith(fence) ? null : fence) : f[1]; continue; }
    const h = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

// Every relative link of the README, CONTRIBUTING.md and docs/*.md names a file that exists and,
// with #anchor, a heading of that page: moving a section must not strand a link to it.
it("links between the pages resolve", () => {
  const docs = readdirSync(path.join(sourceDir, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  const broken = [];
  let checked = 0;
  for (const page of ["README.md", "CONTRIBUTING.md", ...docs]) {
    const text = readFileSync(path.join(sourceDir, page), "utf8").replace(/^ {0,3}(`{3,}|~{3,})[\s\S]*?^ {0,3}\1\s*$/gm, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;  // http:, mailto: ...
      const [file, anchor] = target.split("#");
      const resolved = file ? path.resolve(path.dirname(path.join(sourceDir, page)), file) : path.join(sourceDir, page);
      checked++;
      if (!existsSync(resolved)) { broken.push(`${page}: ${target}: no such file`); continue; }
      if (anchor && resolved.endsWith(".md") && !anchorsOf(resolved).has(anchor)) {
        broken.push(`${page}: ${target}: no heading with that anchor in ${path.relative(sourceDir, resolved)}`);
      }
    }
  }
  assert.ok(checked > 20, `only ${checked} links found: the link reader is broken`);
  assert.deepEqual(broken, [], `broken links:\n${broken.join("\n")}`);
});

// The pages at the same time, each with its own server and folder: they share nothing.
describe("the pages' commands", { concurrency: true }, () => {
  for (const page of PAGES) {
    it(page, async (t) => {
      const { commands, skipped } = readPage(page, readFileSync(path.join(sourceDir, page), "utf8"));
      for (const line of skipped) t.diagnostic(line);
      assert.ok(commands.length > 0, `${page}: no shell command to run`);
      await runPage(page, commands, t);
    });
  }
});
