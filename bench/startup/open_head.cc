// open_head: opens a data directory with ward's TSDB the way the server does
// (blocks, chunk snapshot or chunks_head + WAL replay), prints the time and
// RSS, and exits without closing (so the directory is left as it was, apart
// from the new empty WAL segment), for profiling startup with perf.
// Usage: open_head DIR [--no-snapshot]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "tsdb/db.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [--no-snapshot]\n", argv[0]);
    return 2;
  }
  ward::tsdb::Options opts;
  opts.compaction_interval_ms = 0;
  opts.wal_fsync_interval_ms = 0;
  if (argc > 2 && std::strcmp(argv[2], "--no-snapshot") == 0) {
    opts.memory_snapshot_on_shutdown = false;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto db = ward::tsdb::DB::Open(argv[1], opts);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", db.status().ToString().c_str());
    return 1;
  }
  std::string line, rss;
  std::ifstream st("/proc/self/status");
  while (std::getline(st, line)) {
    if (line.rfind("VmRSS:", 0) == 0) rss = line.substr(6);
  }
  std::printf("open %.2fs, %llu series, RSS%s\n", secs,
              static_cast<unsigned long long>((*db)->head()->NumSeries()), rss.c_str());
  std::fflush(stdout);
  _exit(0);  // no Close: no new snapshot, nothing else written
}
