-- wrk script: each request is a vendor reading one of its granted customers' profile for marketing.
-- VENDOR_TOKENS names the seed's "vendor-id access-token" file; REQUESTS a file of "vendor-line customer-id" lines.
local tokens = {}
for line in io.lines(os.getenv("VENDOR_TOKENS")) do
  tokens[#tokens + 1] = line:match("%S+ (%S+)")
end

local lines = {}
for line in io.lines(os.getenv("REQUESTS")) do
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
  local vendor, customer = lines[(next_index % #lines) + 1]:match("(%S+) (%S+)")
  return wrk.format("GET", "/v1/customers/" .. customer .. "/profile?purpose=marketing",
    { ["Authorization"] = "Bearer " .. tokens[tonumber(vendor)] })
end
