-- wrk script for tracked links: each request follows a random /go path from WRK_PATHS and, every
-- other time, says it came from a random article of WRK_REFERERS (slugs), as a reader's browser
-- would with a Referer header.
local paths, referers = {}, {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
for line in io.lines(os.getenv("WRK_REFERERS")) do
  if #line > 0 then referers[#referers + 1] = line end
end
math.randomseed(os.time())
local n = 0
request = function()
  n = n + 1
  local path = paths[math.random(#paths)]
  if n % 2 == 0 then
    local from = "https://site.example/articles/" .. referers[math.random(#referers)]
    return wrk.format("GET", path, { ["Referer"] = from })
  end
  return wrk.format("GET", path)
end
