// Process metrics, like client_golang's process collector: CPU time, memory,
// start time and file descriptors of this process, read from /proc/self at
// exposition time. GET /metrics shows them next to ward's own metrics.
// Thread-safe (each read is independent; nothing is cached).
#pragma once

#include <cstdint>
#include <string>

#include "util/metrics.h"
#include "util/result.h"

namespace ward::process {

struct ProcessStats {
  double cpu_seconds = 0;               // user + system
  double resident_memory_bytes = 0;     // RSS
  double virtual_memory_bytes = 0;      // VSZ
  double virtual_memory_max_bytes = 0;  // RLIMIT_AS soft limit (2^64-1 when unlimited)
  double start_time_seconds = 0;        // Unix time
  double open_fds = 0;
  double max_fds = 0;  // RLIMIT_NOFILE soft limit
};

// Reads /proc/self/stat, /proc/stat (boot time), /proc/self/limits and
// /proc/self/fd. Fails with IOError when /proc is missing and Corruption
// when a file does not parse.
Result<ProcessStats> ReadProcessStats();

// Parsers, exposed for tests. `stat` is /proc/self/stat's content,
// `proc_stat` /proc/stat's (for btime), `limits` /proc/self/limits'.
Status ParseSelfStat(std::string_view stat, std::string_view proc_stat, int64_t clock_ticks, int64_t page_size,
                     ProcessStats* out);
Status ParseLimits(std::string_view limits, ProcessStats* out);

// Registers a collector that appends the process_* families on every
// Expose(): process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_virtual_memory_max_bytes,
// process_start_time_seconds, process_open_fds, process_max_fds. When /proc
// cannot be read it appends nothing.
void RegisterProcessCollector(metrics::Registry& registry);

}  // namespace ward::process
