-- wrk script for scripts/bench/stripe-sim: form-encoded Stripe customer writes with a test key.
-- BENCH_MODE=create: POST /v1/customers with a unique email per request;
-- BENCH_MODE=update: POST /v1/customers/$BENCH_CUSTOMER with a changing name and metadata value.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = string.format("%d-%d", tid, os.time())
  counter = 0
  mode = os.getenv("BENCH_MODE")
  customer = os.getenv("BENCH_CUSTOMER")
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = "Bearer sk_test_bench123",
  }
end

function request()
  counter = counter + 1
  if mode == "update" then
    local body = string.format("name=Bench+%s+%d&metadata%%5Bn%%5D=%d", prefix, counter, counter)
    return wrk.format("POST", "/v1/customers/" .. customer, headers, body)
  end
  local body = string.format(
    "name=Bench+User+%d&email=u%s-%d%%40bench.example.com&phone=%%2B1+555+0100&metadata%%5Bcustomer_sync_id%%5D=%s-%d",
    counter, prefix, counter, prefix, counter)
  return wrk.format("POST", "/v1/customers", headers, body)
end
