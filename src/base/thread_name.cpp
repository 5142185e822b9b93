#include "base/thread_name.hpp"

#include <pthread.h>

#include <string>

namespace attrition::base {

void NameThisThread(std::string_view name) {
    constexpr std::size_t kMaxBytes = 15;  // the kernel's TASK_COMM_LEN, less its terminator
    const std::string cut(name.substr(0, kMaxBytes));
    // Fails only for a name that is too long, which the cut rules out: nothing to report.
    pthread_setname_np(pthread_self(), cut.c_str());
}

}  // namespace attrition::base
