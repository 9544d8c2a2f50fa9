-- wrk script: POST /v1/content with a unique id per request, a mix of ordinary and harmful texts.
-- Token from the environment (MODERATO_TOKEN); never printed.
local texts = {
  "Lovely morning for a walk by the river, the ducks are back",
  "Does anyone know a good bakery near the station? Asking for a friend",
  "when the looting starts, the shooting starts",
  "I know where you live and I'm going to kill you",
  "Mail-in ballots are totally fraudulent and rigged",
  "Our team finally shipped the new release after months of work",
  "Reading a great book about the history of the printing press",
  "The match last night was incredible, what a comeback",
}
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("MODERATO_TOKEN")
  prefix = os.getenv("RUN_ID") or "run"
end

function request()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local body = string.format('{"id":"%s-%d-%d","text":"%s","author":{"id":"user-%d","followers":%d}}',
    prefix, tid, counter, text, counter % 997, (counter * 37) % 100000)
  return wrk.format(nil, "/v1/content", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("requests %d, errors(status) %d, timeouts %d\n", summary.requests, summary.errors.status, summary.errors.timeout))
  io.write(string.format("throughput %.0f req/s\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
