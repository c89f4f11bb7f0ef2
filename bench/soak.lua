-- wrk script for bench/soak's mixed phase: each request carries a valid, a missing or a tampered session
-- cookie (60/20/20) and says which in its query (?k=...), so the nginx access log can be checked line by line.
-- Usage: wrk ... -s bench/soak.lua URL   with SOAK_COOKIE set to a valid "_gatehouse=..." pair.
local valid = os.getenv("SOAK_COOKIE")
local tampered = valid:sub(1, -7) .. (valid:sub(-6) == "AAAAAA" and "BBBBBB" or "AAAAAA")
local counter = 0

request = function()
  counter = counter + 1
  local r = counter % 10
  local kind, cookie
  if r < 6 then kind, cookie = "valid", valid
  elseif r < 8 then kind, cookie = "missing", nil
  else kind, cookie = "tampered", tampered end
  local headers = { ["Sec-Fetch-Mode"] = "navigate", ["Accept"] = "text/html" }
  if cookie then headers["Cookie"] = cookie end
  return wrk.format("GET", wrk.path .. "?k=" .. kind .. "&n=" .. counter, headers)
end
