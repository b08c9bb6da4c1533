-- wrk script: POST /v1/customers with a unique email per request (a duplicate would be a 409), as the API key in
-- BENCH_API_KEY.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = string.format("%d-%d", tid, os.time())
  counter = 0
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("BENCH_API_KEY") }
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"name":"Bench User %d","email":"u%s-%d@bench.example.com","phone":"+1 555 0100"}', counter, prefix, counter)
  return wrk.format("POST", "/v1/customers", headers, body)
end
