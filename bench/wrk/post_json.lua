-- POSTs the JSON file named by BODY_FILE; prints the count of non-2xx answers for load.sh.
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  io.write(string.format("NON2XX %d\n", summary.errors.status))
end
