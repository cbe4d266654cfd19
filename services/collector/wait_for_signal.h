// Process plumbing shared by the collector's binaries (shammie-collector,
// `shammie up`): stop signals and flag spelling.
#ifndef SHAMMIE_SERVICES_COLLECTOR_WAIT_FOR_SIGNAL_H_
#define SHAMMIE_SERVICES_COLLECTOR_WAIT_FOR_SIGNAL_H_

#include <string>
#include <vector>

namespace shammie::collector {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts
// afterwards. Call first thing in main, before any thread exists.
void BlockStopSignals();

// Waits for SIGINT or SIGTERM (blocked by BlockStopSignals) and returns it.
int WaitForStopSignal();

// argv with "--data-dir" spelled "--data_dir" (only the flag name, up to '=').
// `storage` keeps the rewritten strings alive.
std::vector<char*> DashFlagsToUnderscores(int argc, char** argv, std::vector<std::string>* storage);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_WAIT_FOR_SIGNAL_H_
