// Runs xl_portbeta's Excel functions in a real Pyodide under node, as xlwings Lite does.
//
//   node tests/pyodide/run.mjs job.json
//
// job.json: {"index_url": <Pyodide folder>, "work_dir": <host folder with the wheels and
// main.py>, "wheels": [file names in work_dir], "main_py": <file name in work_dir or null>,
// "mode": "test" | "bench", "out": <result file>, ...}.
//
// mode "test": makes the Office.js-shaped payloads HERE, in JavaScript (JS null for blanks,
// error objects, serial dates, single rows and cells, header rows), then calls every case
// (1) in a Pyodide with the xl_portbeta and xlwings wheels installed by micropip, and
// (2) when main_py is given, in a second Pyodide with only xlwings installed, through the
// generated main.py. Writes {runtime, cases, wheel, main_py...} as JSON; pytest computes the
// same cases in CPython from the same JSON and compares.
// mode "bench": times large calls inside Pyodide (see bench/pyodide.py).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const here = path.dirname(new URL(import.meta.url).pathname);
const indexURL = job.index_url.endsWith("/") ? job.index_url : job.index_url + "/";
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);

// ---------------------------------------------------------------- payloads, made in JS
const NA = () => ({ type: "Error", errorType: "NotAvailable", basicValue: "#N/A" });

function rng(seed) {  // mulberry32, plus Box-Muller normals
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mu, sd) => mu + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal, int: (lo, hi) => lo + Math.floor(uniform() * (hi - lo + 1)) };
}

const column = (values) => values.map((v) => [v]);
const SERIAL_2024_01_01 = 45292;  // Excel serial of 2024-01-01 (days since 1899-12-30)

function market(r, rows, assets, firstSerial) {
  // prices of `assets` with betas in [-0.5, 2] on a random market, oldest first
  const betas = Array.from({ length: assets }, () => -0.5 + 2.5 * r.uniform());
  const prices = [Array(assets).fill(50)];
  const index = [1000];
  for (let t = 1; t < rows; t++) {
    const m = r.normal(0.0004, 0.011);
    index.push(index[t - 1] * (1 + m));
    prices.push(prices[t - 1].map((p, i) => p * (1 + m * betas[i] + r.normal(0, 0.02))));
  }
  const dates = Array.from({ length: rows }, (_, t) => firstSerial + t);
  return { prices, index, dates };
}

function testCases() {
  const cases = [];
  const add = (name, func, ...args) => cases.push({ name, func, args });
  const A = [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106];
  const B = [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112];
  const M = [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035];
  const P = [["Bond A", "Bond B"], ...A.map((a, k) => [a, B[k]])];  // a header row of names
  const S = [["Bond A", "Bond B"], [25000, 65000]];
  const MK = column(["S&P", ...M]);
  const D = column(["Date", ...A.map((_, k) => SERIAL_2024_01_01 + k)]);  // serial-number dates
  const bondsAll = [
    ["portbeta_reg", P, S, MK], ["portbeta_wtd", P, S, MK], ["beta_gap", P, S, MK], ["asset_betas", P, MK],
    ["portbeta_stats", P, S, MK, D], ["beta_gap_detail", P, S, MK], ["portbeta_rolling", P, S, MK, [[4]], D],
  ];
  for (const [func, ...args] of bondsAll) add(`bonds ${func}`, func, ...args);
  add("bonds single-row shares", "portbeta_reg", P, [[25000, 65000]], MK);
  add("bonds omitted optionals (null)", "portbeta_wtd", P, S, MK, null, null, null, null);
  add("bonds optionals pointing at empty cells", "portbeta_wtd", P, S, MK, [[null]], [[null]], [[null]], [[null]]);
  add("bonds dates, frequency, rf, as_of cells", "portbeta_wtd", P, S, MK, D, [["daily"]], [[0.03]], [[SERIAL_2024_01_01 + 5]]);
  add("bonds gap as_of row number", "beta_gap", P, S, MK, null, null, null, [[7]]);
  const holes = P.map((row) => [...row]);
  holes[3][0] = null;  // a blank cell inside the range
  holes[6][1] = NA();  // #N/A
  const mHoles = MK.map((row) => [...row]);
  mHoles[8][0] = null;
  add("bonds blanks and #N/A", "portbeta_reg", holes, S, mHoles);
  add("bonds blanks and #N/A, stats", "portbeta_stats", holes, S, mHoles, D);
  add("bonds blanks and #N/A, rolling", "portbeta_rolling", holes, S, mHoles, [[3]], D);
  add("single asset, single-cell shares", "portbeta_reg", column(A), [[7]], column(M));
  add("single asset, asset_betas", "asset_betas", column(["Bond A", ...A]), column(["S&P", ...M]));
  const bad = P.map((row) => [...row]);
  bad[2][1] = "n/a";
  add("error: text in prices", "portbeta_reg", bad, S, MK);
  add("error: as_of outside", "beta_gap", P, S, MK, null, null, null, [[99]]);
  add("error: frequency unknown", "asset_betas", P, MK, D, [["hourly"]]);
  const missingDate = D.map((row) => [...row]);
  missingDate[4][0] = null;
  add("error: a date missing", "portbeta_reg", P, S, MK, missingDate);

  // a random portfolio: 300 rows x 8 assets, a few holes, a short position
  const r = rng(20261122);
  const { prices, index, dates } = market(r, 300, 8, SERIAL_2024_01_01);
  const names = Array.from({ length: 8 }, (_, i) => `Asset ${i + 1}`);
  const RP = [names, ...prices.map((row) => [...row])];
  for (let k = 0; k < 12; k++) RP[r.int(2, 300)][r.int(0, 7)] = null;
  for (let k = 0; k < 3; k++) RP[r.int(2, 300)][r.int(0, 7)] = NA();
  const RM = column(["Index", ...index]);
  RM[150][0] = null;
  const RS = [names, names.map((_, i) => (i === 5 ? -800 : r.int(100, 5000)))];
  const RD = column(["Date", ...dates]);
  const history = [names, ...prices.map((_, t) => names.map((_, i) => 1000 + 10 * i + (t > 150 ? 200 : 0)))];
  const rf = column(["rf", ...dates.map((_, t) => 0.01 + 0.03 * t / 300)]);
  const asOf = [[SERIAL_2024_01_01 + 250]];
  const randomAll = [
    ["portbeta_reg", RP, RS, RM, RD], ["portbeta_wtd", RP, RS, RM, RD], ["beta_gap", RP, RS, RM, RD],
    ["asset_betas", RP, RM, RD], ["portbeta_stats", RP, RS, RM, RD], ["beta_gap_detail", RP, RS, RM, RD],
    ["portbeta_rolling", RP, RS, RM, [[60]], RD],
  ];
  for (const [func, ...args] of randomAll) add(`random 300x8 ${func}`, func, ...args);
  for (const func of ["portbeta_wtd", "portbeta_stats", "beta_gap_detail"])
    add(`random weekly, rf, as_of ${func}`, func, RP, RS, RM, RD, [["weekly"]], [[0.02]], asOf);
  add("random monthly rolling", "portbeta_rolling", RP, RS, RM, [[5]], RD, [["monthly"]]);
  add("random holdings history reg", "portbeta_reg", RP, history, RM, RD);
  add("random holdings history detail", "beta_gap_detail", RP, history, RM, RD, null, null, asOf);
  add("random per-row rf stats", "portbeta_stats", RP, RS, RM, RD, null, rf);
  add("random without headers", "portbeta_reg", RP.slice(1), [RS[1]], RM.slice(1));
  // a book: a column of account names, a header of tickers, an account that holds nothing
  const accounts = [["account", ...names], ...Array.from({ length: 12 }, (_, k) =>
    [`client ${k + 1}`, ...names.map((_, i) => (k === 3 ? 0 : (i + k) % 3 === 0 ? 0 : r.int(10, 900)))])];
  add("random book", "portbeta_book", RP, accounts, RM, RD);
  add("bonds book without names", "portbeta_book", P.slice(1), [[25000, 65000], [0, 10]], MK.slice(1));
  add("random monthly book, rf, as_of", "portbeta_book", RP, accounts, RM, RD, [["monthly"]], [[0.02]], asOf);
  add("random asset betas rolling", "asset_betas_rolling", RP, RM, [[60]], RD);
  add("bonds asset betas rolling, weekly, rf", "asset_betas_rolling", P, MK, [[3]], D, null, [[0.02]]);
  add("random asset stats", "asset_stats", RP, RM, RD);
  add("bonds asset stats, rf", "asset_stats", P, MK, D, null, [[0.02]]);
  // holdings from statements and from trades: serial dates, header rows, a ledger selected longer than its rows
  const SD = column(["Date", SERIAL_2024_01_01 + 2, SERIAL_2024_01_01 + 6]);
  add("bonds holdings on statements", "holdings_on", D, SD, [["Bond A", "Bond B"], [100, 50], [120, 0]]);
  add("bonds holdings from trades", "holdings_from_trades", D,
      column(["Date", SERIAL_2024_01_01 + 1, SERIAL_2024_01_01 + 5, null]), column(["Ticker", "Bond B", "Bond A", null]),
      column(["Qty", 10, -5, null]), [["Bond A", "Bond B"]], [[100, 0]]);
  add("bonds holdings from trades, names left out", "holdings_from_trades", D,
      column([SERIAL_2024_01_01 + 1, SERIAL_2024_01_01 + 5]), column(["Bond B", "Bond A"]), column([10, -5]), null, null);
  add("error: a statement given twice", "holdings_on", D, column([SERIAL_2024_01_01 + 2, SERIAL_2024_01_01 + 2]), [[1, 2], [3, 4]]);
  // issue 21: prices in three currencies (a blank and an #N/A rate), and shares naming some columns
  const codes = names.map((_, i) => ["USD", "eur", "GBP"][i % 3]);
  const fx = [["EUR", "GBP"], ...dates.map((_, t) => [1.1 + 0.001 * (t % 17), 1.3 - 0.001 * (t % 11)])];
  fx[40][0] = null;
  fx[90][1] = NA();
  add("random prices in USD", "prices_in", RP, [codes], fx, [["USD"]]);
  add("bonds prices in EUR, one code", "prices_in", P, [["EUR"]], [["EUR"], ...A.map((_, t) => [1.1 + 0.01 * t])]);
  add("random shares naming some columns", "portbeta_wtd", RP, [[names[6], names[1]], [300, -200]], RM, RD);
  return cases;
}

function benchCases(rows, assets) {
  const r = rng(7);
  const { prices, index, dates } = market(r, rows, assets, 40000);
  const names = Array.from({ length: assets }, (_, i) => `A${i + 1}`);
  const P = [names, ...prices];
  const S = [names, names.map(() => r.int(100, 5000))];
  const M = column(["Index", ...index]);
  const D = column(["Date", ...dates]);
  return {
    payload_bytes: JSON.stringify([P, S, M, D]).length,
    cases: [
      { name: "PORTBETA_REG", func: "portbeta_reg", args: [P, S, M, D] },
      { name: "PORTBETA_STATS", func: "portbeta_stats", args: [P, S, M, D] },
      { name: "PORTBETA_ROLLING", func: "portbeta_rolling", args: [P, S, M, [[252]], D] },
    ],
  };
}

// ---------------------------------------------------------------- Pyodide
async function pyodideWith(wheels) {
  const py = await loadPyodide({ indexURL, env: job.hash_seed == null ? {} : { PYTHONHASHSEED: String(job.hash_seed) }, stdout: (s) => process.stderr.write(s + "\n"), stderr: (s) => process.stderr.write(s + "\n") });
  await py.loadPackage(["numpy", "pandas", "scipy", "micropip"], { messageCallback: () => {} });
  py.FS.mkdirTree("/job");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: job.work_dir }, "/job");
  py.FS.mkdirTree("/harness");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: here }, "/harness");
  await install(py, wheels);
  py.runPython("import sys; sys.path.insert(0, '/harness')");
  return { py, harness: py.pyimport("harness") };  // harness sets the env vars, then imports xlwings
}

async function install(py, wheels) {
  const micropip = py.pyimport("micropip");
  for (const wheel of wheels) await micropip.install(`emfs:/job/${wheel}`, { deps: false });
  micropip.destroy();
}

// Each call's arguments as Office.js hands them over: every argument its own arrays, read
// afresh for that call. The payloads above share arrays (the names head both the prices and
// the shares; one prices table serves many cases), which Excel never does, and Pyodide
// 0.27.7's JsProxy.to_py() gives a Python list reached twice in one conversion one
// reference too few (sys.getrefcount shows it; Pyodide 314's does not): freed while still
// held, it crashed the runtime ("memory access out of bounds") at a later call, in two
// runs of three here and in eight of eight on CI. A JSON round trip shares nothing.
const asExcelSends = (args) => args.map((arg) => JSON.parse(JSON.stringify(arg)));

async function callAll(harness, module, cases) {
  process.stderr.write(`calls: ${cases.length}\n`);
  const fresh = cases.map((c) => ({ ...c, args: asExcelSends(c.args) }));
  return harness.call_all(module, fresh);  // Python's JSON texts, kept as they are
}

const started = Date.now();
const step = (what) => process.stderr.write(`step: ${what}\n`);
const parts = [];
if (job.mode === "test") {
  // One Pyodide for everything: two instances in one node process crashed now and then
  // ("memory access out of bounds"), so main.py runs first, with only xlwings installed,
  // then its modules are dropped and the xl_portbeta wheel is installed.
  const cases = testCases();
  parts.push(`"cases": ${JSON.stringify(cases)}`);
  const xlwingsWheels = job.wheels.filter((w) => w.startsWith("xlwings-"));
  step("Pyodide: xlwings only");
  const a = await pyodideWith(xlwingsWheels);
  parts.push(`"runtime": ${a.harness.runtime_info([[1.5, null], [NA(), 7]])}`);
  if (job.main_py) {
    step("main.py");
    const [main, loaded] = a.harness.load_main_py(`/job/${job.main_py}`);
    parts.push(`"main_py_import": ${loaded}`);
    parts.push(`"main_py_meta": ${a.harness.meta(main)}`);
    parts.push(`"main_py": ${await callAll(a.harness, main, cases)}`);
    main.destroy();
    a.harness.forget_main_py();
  }
  step("the xl_portbeta wheel");
  await install(a.py, job.wheels.filter((w) => !xlwingsWheels.includes(w)));
  const udfs = a.py.pyimport("xl_portbeta.udfs");
  parts.push(`"wheel_file": ${JSON.stringify(a.py.runPython("import xl_portbeta; xl_portbeta.__file__"))}`);
  parts.push(`"wheel_meta": ${a.harness.meta(udfs)}`);
  parts.push(`"wheel": ${await callAll(a.harness, udfs, cases)}`);
} else if (job.mode === "bench") {
  const { payload_bytes, cases } = benchCases(job.rows, job.assets);
  const a = await pyodideWith(job.wheels);
  parts.push(`"runtime": ${a.harness.runtime_info([[1.5, null], [NA(), 7]])}`);
  parts.push(`"payload_bytes": ${payload_bytes}`);
  const udfs = a.py.pyimport("xl_portbeta.udfs");
  const timings = [];
  for (const c of cases) timings.push(await a.harness.bench(udfs, c.name, c.func, asExcelSends(c.args), job.repeat, job.warmup ?? 1));
  parts.push(`"bench": [${timings.join(",")}]`);
  if (job.profile) {
    const profiles = [];
    for (const c of cases) profiles.push(`${JSON.stringify(c.name)}: ${await a.harness.profile(udfs, c.func, asExcelSends(c.args))}`);
    parts.push(`"profile": {${profiles.join(",")}}`);
  }
} else {
  throw new Error(`unknown mode ${job.mode}`);
}
parts.push(`"node_seconds": ${(Date.now() - started) / 1000}`);
fs.writeFileSync(job.out, "{" + parts.join(",\n") + "}\n");
