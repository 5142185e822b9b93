// Names the calling thread as `top -H`, `ps -L`, perf and /proc/PID/task/TID/comm show it, so an
// operator (and bench/load.sh) can tell the log writer's CPU from the io threads'. Linux keeps 15
// bytes; a longer name is cut there. Never name the main thread: that renames the process.
#pragma once

#include <string_view>

namespace attrition::base {

void NameThisThread(std::string_view name);

}  // namespace attrition::base
