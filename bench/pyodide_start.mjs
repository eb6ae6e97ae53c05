// One cold start of the add-in in a real Pyodide under node, phase by phase (bench/cold_start.py).
//
//   node bench/pyodide_start.mjs job.json
//
// job.json: {"index_url": <Pyodide folder>, "work_dir": <folder with the wheels>, "wheels": [names]}.
// Prints one JSON line: each phase's seconds, in order, and the runtime's versions.
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const indexURL = job.index_url.endsWith("/") ? job.index_url : job.index_url + "/";
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);

const phases = {};
async function timed(name, work) {
  const start = performance.now();
  const result = await work();
  phases[name] = (performance.now() - start) / 1000;
  return result;
}

// The two-bond example as Office.js sends it: a header row of names, JS numbers.
const A = [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106];
const B = [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112];
const M = [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035];
const PRICES = [["Bond A", "Bond B"], ...A.map((a, k) => [a, B[k]])];
const SHARES = [["Bond A", "Bond B"], [25000, 65000]];
const MARKET = [["S&P"], ...M.map((m) => [m])];

const quiet = () => {};
const py = await timed("pyodide_start", () => loadPyodide({ indexURL, stdout: quiet, stderr: quiet }));
await timed("load_packages", () => py.loadPackage(["numpy", "pandas", "scipy", "micropip"], { messageCallback: quiet }));
await timed("install_wheels", async () => {
  py.FS.mkdirTree("/job");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: job.work_dir }, "/job");
  const micropip = py.pyimport("micropip");
  for (const wheel of job.wheels) await micropip.install(`emfs:/job/${wheel}`, { deps: false });
  micropip.destroy();
});
await timed("import_numpy_pandas", () => py.runPython("import numpy, pandas"));
await timed("import_xlwings", () =>
  py.runPython(`
import os
os.environ["XLWINGS_ON_SERVER"] = "true"  # xlwings Lite's decorators
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
import xlwings, xlwings.server
`),
);
await timed("import_addin", () => py.runPython("from xl_portbeta import udfs"));
// As Lite calls a function: the JS arguments through to_py(), then xlwings' custom_functions_call.
const call = py.runPython(`
import json


def call(func_name, args_js):
    coro = xlwings.server.custom_functions_call(
        {"func_name": func_name, "args": args_js.to_py(), "version": xlwings.__version__,
         "client": "Office.js", "runtime": "1.4"}, udfs)
    try:
        coro.send(None)
    except StopIteration as done:
        return json.dumps(done.value, default=str)
    raise RuntimeError("the call suspended")
call
`);
const reg = await timed("first_reg", () => call("portbeta_reg", [PRICES, SHARES, MARKET]));
const stats = await timed("first_stats", () => call("portbeta_stats", [PRICES, SHARES, MARKET]));
// the README's worked example: REG 1.5200; STATS' beta row holds it too
if (Math.abs(JSON.parse(reg)[0][0] - 1.52) > 5e-5 || !stats.includes('"beta"')) {
  throw new Error(`unexpected results: ${reg} ${stats}`);
}
const runtime = JSON.parse(
  py.runPython(`
import json, sys, numpy, pandas, scipy, pyodide
json.dumps({"pyodide": pyodide.__version__, "python": sys.version.split()[0], "numpy": numpy.__version__,
            "pandas": pandas.__version__, "scipy": scipy.__version__, "xlwings": xlwings.__version__})
`),
);
process.stdout.write(JSON.stringify({ ...phases, runtime }) + "\n");
