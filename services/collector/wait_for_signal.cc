#include "services/collector/wait_for_signal.h"

#include <pthread.h>
#include <signal.h>

namespace shammie::collector {

namespace {
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForStopSignal() {
  sigset_t set = StopSignals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

std::vector<char*> DashFlagsToUnderscores(int argc, char** argv, std::vector<std::string>* storage) {
  storage->assign(argv, argv + argc);
  for (size_t i = 1; i < storage->size(); ++i) {
    std::string& a = (*storage)[i];
    if (a == "--") break;
    if (a.rfind("--", 0) != 0) continue;
    for (size_t k = 2; k < a.size() && a[k] != '='; ++k) {
      if (a[k] == '-') a[k] = '_';
    }
  }
  std::vector<char*> out;
  for (std::string& a : *storage) out.push_back(a.data());
  out.push_back(nullptr);
  out.pop_back();
  return out;
}

}  // namespace shammie::collector
