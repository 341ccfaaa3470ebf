// Reads a JSON array of simulations (the shape @cloud-copilot/iam-simulate takes) on stdin and
// prints one JSON line per simulation: {"result": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"}
// or {"error": "..."} when the simulator refuses the input.
const { runSimulation } = require('@cloud-copilot/iam-simulate');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = [];
  for (const sim of cases) {
    try {
      const r = await runSimulation(sim, {});
      if (r.errors) {
        out.push(JSON.stringify({ error: JSON.stringify(r.errors).slice(0, 300) }));
      } else {
        out.push(JSON.stringify({ result: r.overallResult ?? r.result?.analysis?.result }));
      }
    } catch (e) {
      out.push(JSON.stringify({ error: String(e).slice(0, 300) }));
    }
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
