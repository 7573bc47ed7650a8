-- wrk script for tests/benchmarks/writes.sh: each request is one write of the path named by PATH_NAME, on the next
-- work item of ITEMS ("token-line id [expires-at]" lines; the token is line token-line of TOKENS). Each wrk thread
-- takes every THREADS-th item, so no item is sent twice until the file is used up (then they repeat, and answer 409).
local path = os.getenv("PATH_NAME")
local threads = tonumber(os.getenv("THREADS") or "2")

local tokens = {}
for line in io.lines(os.getenv("TOKENS")) do
  tokens[#tokens + 1] = line
end

local items = {}
for line in io.lines(os.getenv("ITEMS")) do
  items[#items + 1] = line
end

local created = 0
function setup(thread)
  thread:set("first", created)
  created = created + 1
end

local index = 0
function init(args)
  index = tonumber(wrk.thread:get("first"))
end

local function post(url, token, body)
  return wrk.format("POST", url, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function request()
  local token_line, id, extra = items[(index % #items) + 1]:match("(%S+) (%S+) ?(%S*)")
  index = index + threads
  local token = tokens[tonumber(token_line)]
  if path == "request" then
    return post("/v1/access-requests", token,
      '{"customerId":"' .. id .. '","scopes":["email"],"purpose":"marketing","description":"Benchmark newsletter","duration":"P6M"}')
  elseif path == "approve" then
    return post("/v1/me/access-requests/" .. id .. "/approve", token, "{}")
  elseif path == "narrow" then
    return post("/v1/me/grants/" .. id .. "/narrow", token, '{"removeScopes":["phone"]}')
  elseif path == "revoke" then
    return post("/v1/me/grants/" .. id .. "/revoke", token, '{"reason":"Benchmark"}')
  elseif path == "grant" then
    return post("/v1/me/grants", token,
      '{"vendorId":"' .. id .. '","scopes":["email"],"purpose":"service-delivery","description":"Benchmark","expiresAt":"' .. extra .. '"}')
  end
  error("unknown PATH_NAME " .. tostring(path))
end
