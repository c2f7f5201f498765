-- wrk script: each request picks a random path from the file named by WRK_PATHS. Each thread
-- seeds its own generator, so that the threads do not request the same sequence.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  math.randomseed(os.time() * 97 + (thread_id or 0) * 7919)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
