-- wrk script: each request posts the sign-in form, with the antiforgery cookie and token the page handed out.
-- COOKIE, TOKEN, EMAIL and PASSWORD come from sign-in.sh; with EMAIL=random each request tries an unknown account.
local cookie, token = os.getenv("COOKIE"), os.getenv("TOKEN")
local email, password = os.getenv("EMAIL"), os.getenv("PASSWORD")
local counter = 0

local function encode(value)
  return (value:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  counter = counter + 1
  local who = email == "random" and ("nobody-" .. counter .. "-" .. math.random(1e9) .. "@example.org") or email
  local body = "Email=" .. encode(who) .. "&Password=" .. encode(password) .. "&__RequestVerificationToken=" .. encode(token)
  return wrk.format("POST", "/account/sign-in", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
