// speed.mjs -- llama.cpp's evaluation speed on a GGUF (node-llama-cpp), for tools/xcheck/speed.sh.
//
//   NODE_PATH=$XCHECK_DIR/node_modules node tools/xcheck/speed.mjs --model M.gguf --text TEXT [--threads 2]
//       [--batch 256] [--gen 32]
//
// TEXT is tokenized by llama.cpp's tokenizer (the same ids as llmz's where the file's pre-tokenizer agrees;
// tools/xcheck/xcheck.mjs checks that).  Measures, each from an empty cache:
//   pp      prompt processing: all ids in batches of --batch, logits for the last only (llama.cpp's usual)
//   pp_all  the same with logits (and a greedy pick) at every position, as a compressor needs them
//   tg      generation: --gen tokens, each fed back after a greedy pick from its logits (one at a time)
// Prints one JSON object.
import path from "node:path";
import fs from "node:fs";
import {createRequire} from "node:module";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const req = createRequire(path.join(process.cwd(), "x.js"));
const nlc = await import(req.resolve("node-llama-cpp", {paths: (process.env.NODE_PATH ?? "").split(":")}));
const threads = Number(args.threads ?? 2), batch = Number(args.batch ?? 256), gen = Number(args.gen ?? 32);
const llama = await nlc.getLlama({gpu: false, build: "never", logLevel: "error"});
const t0 = performance.now();
const model = await llama.loadModel({modelPath: args.model});
const loadS = (performance.now() - t0) / 1000;
const ids = Array.from(model.tokenize(fs.readFileSync(args.text, "utf8"), false));
const ctx = await model.createContext({contextSize: Math.max(512, ids.length + 16), batchSize: batch, threads});
const seq = ctx.getSequence();
const time = async (fn) => {
    await seq.clearHistory();
    const s = performance.now();
    await fn();
    return (performance.now() - s) / 1000;
};
const pp = await time(() => seq.controlledEvaluate(ids.map((t, i) => (i + 1 < ids.length ? t :
                                                    [t, {generateNext: {token: true}}]))));
const ppAll = await time(() => seq.controlledEvaluate(ids.map((t) => [t, {generateNext: {token: true}}])));
let made = 0;
const tg = await time(async () => { // generation: the next token from the last one's logits, one at a time
    for await (const t of seq.evaluate(ids.slice(0, 1), {temperature: 0})) {
        void t;
        if (++made >= gen) break;
    }
});
console.log(JSON.stringify({model: args.model, threads, batch, tokens: ids.length, load_s: loadS,
                            pp_tok_s: ids.length / pp, pp_all_tok_s: ids.length / ppAll, tg_tok_s: made / tg,
                            rss_mb: process.memoryUsage().rss / 1e6}));
await ctx.dispose();
await model.dispose();
await llama.dispose();
