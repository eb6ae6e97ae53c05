// What Excel's cell values become in a real Pyodide 314 (npm's `pyodide` core) after
// JsProxy.to_py() and xlwings' own Office.js argument conversion.
//
//   node tests/pyodide/convert314.mjs <pyodide core folder> <xlwings wheel> <out.json>
//
// The core has no numpy (its packages come from a CDN, unreachable here) and no micropip:
// xlwings' pure wheel is unpacked into site-packages. The payloads are made HERE, in
// JavaScript, as Excel's custom-functions runtime sends them: JS null for a blank cell,
// {type: "Error", ...} objects for error cells, serial numbers for dates.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [indexArg, wheel, out] = process.argv.slice(2);
const indexURL = indexArg.endsWith("/") ? indexArg : indexArg + "/";
const here = path.dirname(new URL(import.meta.url).pathname);
const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);

const error = (errorType, basicValue) => ({ type: "Error", errorType, basicValue });
const ERRORS = [
  error("NotAvailable", "#N/A"), error("Div0", "#DIV/0!"), error("Value", "#VALUE!"), error("Ref", "#REF!"),
  error("Name", "#NAME?"), error("Num", "#NUM!"), error("Null", "#NULL!"), error("Busy", "#BUSY!"),
];
const SERIAL_2024_01_01 = 45292; // Excel serial of 2024-01-01 (days since 1899-12-30)
const A = [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106];
const B = [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112];
const M = [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035];
const prices = [["Bond A", "Bond B"], ...A.map((a, k) => [a, B[k]])];
prices[3][0] = null; // a blank cell inside the range
prices[6][1] = error("NotAvailable", "#N/A");
const market = [["S&P"], ...M.map((m) => [m])];
market[8][0] = null;
const dates = [["Date"], ...A.map((_, k) => [SERIAL_2024_01_01 + k])];
dates[5][0] = SERIAL_2024_01_01 + 4.75; // a date with a time of day (18:00)

const cases = [];
for (const func of ["probe_raw", "probe_default"]) {
  const add = (name, arg) => cases.push({ name: `${name} ${func}`, func, arg });
  add("prices", prices);
  add("market", market);
  add("dates", dates);
  add("errors", [ERRORS]);
  add("blank row", [[null, null], [1.5, 2]]);
  add("one empty cell", [[null]]);
  add("left out", null);
  add("one error cell", [[error("NotAvailable", "#N/A")]]);
  add("one date cell", [[SERIAL_2024_01_01]]);
  add("single row", [[null, 25000, 65000.5]]);
  add("a JS Date", [[new Date(Date.UTC(2024, 0, 2))]]);
}

const py = await loadPyodide({ indexURL });
py.FS.mkdirTree("/wheels");
py.FS.writeFile(`/wheels/${path.basename(wheel)}`, fs.readFileSync(wheel));
py.runPython(`
import site, zipfile
zipfile.ZipFile("/wheels/${path.basename(wheel)}").extractall(site.getsitepackages()[0])
`);
py.FS.mkdirTree("/harness");
py.FS.mount(py.FS.filesystems.NODEFS, { root: here }, "/harness");  // harness.py, as run.mjs mounts it
py.runPython("import sys; sys.path.insert(0, '/harness')");
py.runPython(fs.readFileSync(path.join(here, "converters.py"), "utf8"));
const result = py.globals.get("call_all")(cases);
fs.writeFileSync(out, result);
