// The OpenAPI document checked by tools no one here wrote: `redocly lint` (recommended rules)
// must find no error, and real responses of every documented operation — successes and
// errors — replayed through Stoplight Prism's validating proxy (`prism proxy --errors`) must
// show no violation (Prism answers 500 with an sl-violations header when a response breaks the
// document). A broken copy of the document is proxied too, so the check cannot pass by never
// looking. Both tools come from web/node_modules (pinned in web/package-lock.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sourceDir, startServer } from "../browser/harness.mjs";

const bin = (name) => path.join(sourceDir, "web", "node_modules", ".bin", name);
const key = "contract-test-key-0123456789";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

async function startPrism(documentPath, upstream) {
  const port = await freePort();
  const child = spawn(bin("prism"), ["proxy", documentPath, upstream, "--errors", "--validate-request=false",
    "--port", String(port), "--host", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`prism did not start within 60 s:\n${log}`)), 60000);
    const read = (chunk) => {
      log += chunk;
      if (log.includes("Prism is listening")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding("utf8").on("data", read);
    child.stderr.setEncoding("utf8").on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`prism exited (${code}):\n${log}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop() {
      child.removeAllListeners("exit");
      child.kill("SIGTERM");
    },
  };
}

let scratch;
let keysFile;
test.before(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "attrition-contract-"));
  const hashed = spawnSync(process.env.ATTRITION_BINARY, ["keys", "hash", "--name", "contract"],
    { input: `${key}\n`, encoding: "utf8" });
  assert.equal(hashed.status, 0, hashed.stderr);
  keysFile = path.join(scratch, "keys.txt");
  writeFileSync(keysFile, hashed.stdout);
});
test.after(() => rmSync(scratch, { recursive: true, force: true }));

async function served(extraArgs) {
  const server = await startServer(["--api-keys-file", keysFile, ...extraArgs]);
  const document = await (await fetch(`${server.url}/openapi.json`)).json();
  const documentPath = path.join(scratch, `openapi-${Date.now()}.json`);
  writeFileSync(documentPath, JSON.stringify(document));
  return { server, document, documentPath };
}

test("redocly lint: the served document has no error under the recommended rules", async () => {
  const { server, documentPath } = await served([]);
  try {
    const lint = spawnSync(bin("redocly"), ["lint", documentPath, "--format=summary"],
      { encoding: "utf8", cwd: scratch, timeout: 120000 });
    assert.equal(lint.status, 0, `${lint.stdout}\n${lint.stderr}`);
    assert.match(lint.stdout + lint.stderr, /valid/);
  } finally {
    await server.stop();
  }
});

test("prism proxy: every operation's real successes and errors match the document", async () => {
  // Small limits so that 413 and 429 are reachable: explain allows 3 requests, then 429.
  const { server, document, documentPath } = await served(["--body-limit", "65536",
    "--rate-limit-explain", "0.001:6"]);
  const prism = await startPrism(documentPath, server.url);
  const bare = await served(["--model-dir", path.join(scratch, "no-model")]);
  const prismBare = await startPrism(documentPath, bare.server.url);
  try {
    const employee = document.paths["/api/v1/predict"].post.requestBody.content["application/json"].example;
    const batch = document.paths["/api/v1/predict/batch"].post.requestBody.content["application/json"].example;
    const infer = JSON.stringify(document.paths["/v2/models/attrition/infer"].post.requestBody.content["application/json"].example);
    const v2 = "/v2/models/attrition", v2Version = `${v2}/versions/xgb_enhanced_v2.0`;
    const json = { "Content-Type": "application/json" };
    const keyed = { Authorization: `Bearer ${key}` };
    const invalid = JSON.stringify({ ...employee, age: 15 });
    const outcomes = JSON.stringify(document.paths["/api/v1/outcomes"].post.requestBody.content["application/json"].example);
    // Not replayed: a body that is not JSON under a JSON content type (Prism 5.16 hangs parsing
    // it; its 422 has the same HTTPValidationError shape as the invalid employee's).
    const cases = [
      ["GET", "/health", 200], ["GET", "/livez", 200], ["GET", "/readyz", 200],
      ["GET", "/metrics", 200, keyed], ["GET", "/metrics", 401],
      ["GET", "/openapi.json", 200], ["GET", "/api/v1/model/info", 200],
      ["GET", "/api/v1/model/info?model_version=nope_v0", 404], ["GET", "/api/v1/models", 200],
      ["GET", "/api/v1/models/xgb_enhanced_v2.0", 200], ["GET", "/api/v1/models/nope_v0", 404],
      ["GET", "/api/v1/model/card", 200], ["GET", "/api/v1/models/xgb_enhanced_v2.1/card", 200],
      ["GET", "/api/v1/models/nope_v0/card", 404],
      ["POST", "/api/v1/models/reload", 200, keyed], ["POST", "/api/v1/models/reload", 401],
      ["GET", "/v2", 200], ["GET", "/v2/health/live", 200], ["GET", "/v2/health/ready", 200],
      ["GET", v2, 200], ["GET", v2Version, 200], ["GET", `${v2}/versions/nope_v0`, 404],
      ["GET", `${v2}/ready`, 200], ["GET", `${v2Version}/ready`, 200],
      ["POST", `${v2}/infer`, 200, json, infer], ["POST", `${v2}/infer`, 400, json, '{"inputs":[]}'],
      ["POST", `${v2}/infer`, 415, { "Content-Type": "text/plain" }, infer],
      ["POST", `${v2Version}/infer`, 200, json, infer],
      ["POST", `${v2}/versions/nope_v0/infer`, 404, json, infer],
      ["POST", "/api/v1/predict", 404, { ...json, "X-Model-Version": "nope_v0" }, JSON.stringify(employee)],
      ["POST", "/api/v1/predict", 200, json, JSON.stringify({ ...employee, employee_id: "C-1" })],
      ["POST", "/api/v1/predict", 422, json, invalid],
      ["POST", "/api/v1/predict", 415, { "Content-Type": "text/plain" }, "age=41"],
      ["POST", "/api/v1/predict", 413, json, JSON.stringify({ ...employee, pad: "x".repeat(70000) })],
      ["POST", "/api/v1/predict/batch", 200, json, JSON.stringify(batch)],
      ["POST", "/api/v1/predict/batch", 422, json, JSON.stringify({ employees: [] })],
      ["POST", "/api/v1/explain", 200, json, JSON.stringify(employee)],
      ["POST", "/api/v1/explain?detail=columns", 200, json, JSON.stringify(employee)],
      ["POST", "/api/v1/explain", 422, json, invalid],
      ["POST", "/api/v1/what-if?max_changes=3", 200, json, JSON.stringify(employee)],
      ["POST", "/api/v1/what-if", 422, json, invalid],
      ["POST", "/api/v1/what-if?max_changes=9", 422, json, JSON.stringify(employee)],
      ["POST", "/api/v1/explain", 429, json, JSON.stringify(employee)],
      ["GET", "/api/v1/predictions?limit=2", 200, keyed], ["GET", "/api/v1/predictions?limit=0", 422, keyed],
      ["GET", "/api/v1/predictions", 401],
      ["GET", "/api/v1/stats?days=7", 200, keyed], ["GET", "/api/v1/stats?days=0", 422, keyed],
      ["DELETE", "/api/v1/employees/C-1/predictions", 200, keyed],
      ["DELETE", "/api/v1/employees/%FF/predictions", 422, keyed],
      ["DELETE", "/api/v1/employees/C-1/predictions", 401],
      ["POST", "/api/v1/outcomes", 200, { ...json, ...keyed }, outcomes],
      ["POST", "/api/v1/outcomes", 422, { ...json, ...keyed }, JSON.stringify({ outcomes: [] })],
      ["POST", "/api/v1/outcomes", 415, { "Content-Type": "text/plain", ...keyed }, "x"],
      ["POST", "/api/v1/outcomes", 401, json, outcomes],
      ["POST", "/api/v1/predict", 200, json, JSON.stringify({ ...employee, employee_id: "E001" })],
      ["GET", "/api/v1/monitoring/performance?horizon_days=0", 200, keyed],
      ["GET", "/api/v1/monitoring/performance?horizon_days=-1", 422, keyed],
      ["GET", "/api/v1/monitoring/performance?model_version=nope_v0", 404, keyed],
      ["GET", "/api/v1/monitoring/performance", 401],
      ["GET", "/api/v1/monitoring/drift?days=7", 200, keyed],
      ["GET", "/api/v1/monitoring/drift?days=0", 422, keyed],
      ["GET", "/api/v1/monitoring/drift", 401],
      ["GET", "/api/v1/monitoring/fairness?horizon_days=0", 200, keyed],
      ["GET", "/api/v1/monitoring/fairness?colour=red", 422, keyed],
      ["GET", "/api/v1/monitoring/fairness", 401],
      ["POST", "/api/v1/monitoring/refresh", 202, keyed],
      ["POST", "/api/v1/monitoring/refresh", 401],
    ];
    const bareCases = [
      ["GET", "/api/v1/model/info", 503], ["GET", "/openapi.json", 503], ["GET", "/readyz", 503],
      ["GET", "/api/v1/models", 200], ["GET", "/api/v1/model/card", 503],
      ["POST", "/api/v1/predict", 503, json, JSON.stringify(employee)],
      ["GET", "/v2/health/ready", 503], ["GET", "/v2/models/attrition", 503],
      ["POST", "/v2/models/attrition/infer", 503, json, infer],
    ];
    const operations = new Set();
    for (const [base, list] of [[prism.url, cases], [prismBare.url, bareCases]]) {
      for (const [method, target, status, headers = {}, body] of list) {
        let response;
        try {
          response = await fetch(base + target, { method, headers, body, signal: AbortSignal.timeout(30000) });
        } catch (error) {
          assert.fail(`${method} ${target} (expecting ${status}): ${error.cause ?? error}`);
        }
        const violations = response.headers.get("sl-violations");
        assert.equal(violations, null, `${method} ${target}: ${violations}`);
        assert.equal(response.status, status, `${method} ${target}: ${await response.text()}`);
        await response.arrayBuffer().catch(() => {});
        operations.add(`${method} ${new URL(base + target).pathname.replace(/employees\/[^/]+/, "employees/{employee_id}").replace(/versions\/[^/]+/, "versions/{version}").replace(/^\/api\/v1\/models\/(?!reload$)[^/]+$/, "/api/v1/models/{version}").replace(/^\/api\/v1\/models\/[^/]+\/card$/, "/api/v1/models/{version}/card")}`);
      }
    }
    // Every documented operation was exercised.
    for (const [documentedPath, ops] of Object.entries(document.paths)) {
      for (const method of Object.keys(ops)) {
        assert.ok(operations.has(`${method.toUpperCase()} ${documentedPath}`), `${method} ${documentedPath} replayed`);
      }
    }
  } finally {
    prism.stop();
    prismBare.stop();
    await bare.server.stop();
    await server.stop();
  }
});

test("prism proxy flags a response that breaks the document (the check looks)", async () => {
  const { server, document } = await served([]);
  document.components.schemas.Health.required.push("not_sent");
  document.components.schemas.Health.properties.not_sent = { type: "string" };
  const brokenPath = path.join(scratch, "broken.json");
  writeFileSync(brokenPath, JSON.stringify(document));
  const prism = await startPrism(brokenPath, server.url);
  try {
    const response = await fetch(`${prism.url}/health`);
    assert.match(response.headers.get("sl-violations") ?? "", /not_sent/);
  } finally {
    prism.stop();
    await server.stop();
  }
});
