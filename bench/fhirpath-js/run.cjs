// The fhirpath.js half of bench/fhirpath.sh: the same expressions over the
// same resources as bench/fhirpath_bench.cc, timed the same way (process CPU
// time, each expression compiled once, warmed up, then repeated until it has
// run for at least MIN_MS). Prints one TSV line per expression:
//   type, expression, evaluations, ns per evaluation, items returned by one pass
// or, when fhirpath.js cannot evaluate it: type, expression, "error", message.
// Usage: node run.cjs EXPRESSIONS.tsv RESOURCES.ndjson [MIN_MS]
'use strict';
const fs = require('fs');
const fhirpath = require('fhirpath');
const r4 = require('fhirpath/fhir-context/r4');

const [exprFile, dataFile, minArg] = process.argv.slice(2);
const minMs = Number(minArg || 100);
const byType = new Map();
for (const line of fs.readFileSync(dataFile, 'utf8').split('\n')) {
  if (!line) continue;
  const r = JSON.parse(line);
  if (!byType.has(r.resourceType)) byType.set(r.resourceType, []);
  byType.get(r.resourceType).push(r);
}
const cpuNs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
};
for (const line of fs.readFileSync(exprFile, 'utf8').split('\n')) {
  if (!line) continue;
  const [type, expression] = line.split('\t');
  const resources = byType.get(type) || [];
  let run;
  let items = 0;
  try {
    run = fhirpath.compile(expression, r4);
    for (let i = 0; i < 3; ++i) for (const r of resources) run(r);  // warm-up (JIT)
    for (const r of resources) items += run(r).length;
  } catch (e) {
    console.log([type, expression, 'error', String(e.message || e).split('\n')[0]].join('\t'));
    continue;
  }
  // The clock is a system call: read it once per ~1 000 evaluations.
  const passes = resources.length ? Math.max(1, Math.floor(1000 / resources.length)) : 0;
  let evaluations = 0;
  const start = cpuNs();
  let spent = 0;
  do {
    for (let p = 0; p < passes; ++p) for (const r of resources) run(r);
    evaluations += passes * resources.length;
    spent = cpuNs() - start;
  } while (spent < minMs * 1e6 && passes > 0);
  const ns = evaluations ? spent / evaluations : 0;
  console.log([type, expression, evaluations, ns.toFixed(1), items].join('\t'));
}
