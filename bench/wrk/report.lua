-- GET with a machine-readable summary line for bench/load.sh.
function done(summary, latency, requests)
  io.write(string.format("NON2XX %d\n", summary.errors.status))
end
