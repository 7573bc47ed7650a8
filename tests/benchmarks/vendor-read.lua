-- wrk script: each request is a vendor reading one of its granted customers' profile for marketing.
-- REQUESTS names a file of "access-token customer-id" lines (written by the seed step).
local pairs_file = os.getenv("REQUESTS")
local lines = {}
for line in io.lines(pairs_file) do
  lines[#lines + 1] = line
end

local next_index = 0

function setup(thread)
  thread:set("offset", math.random(#lines))
end

function init(args)
  next_index = tonumber(wrk.thread:get("offset")) or 0
end

function request()
  next_index = next_index + 1
  local token, customer = lines[(next_index % #lines) + 1]:match("(%S+) (%S+)")
  return wrk.format("GET", "/v1/customers/" .. customer .. "/profile?purpose=marketing", { ["Authorization"] = "Bearer " .. token })
end
