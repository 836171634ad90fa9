// Checkpoints: a compacted prefix of the WAL, written as its own small wlog in
// <wal>/checkpoint.NNNNNNNN (the last segment index it covers), keeping only
// series still in the head and samples newer than the head's min time. The
// head replays the last checkpoint, then the segments after it. Mirrors
// Prometheus's tsdb/wlog/checkpoint.go. Thread-compatible: callers serialise
// checkpointing (the head's maintenance thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "tsdb/wlog/wlog.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::wlog {

// "<dir>/checkpoint.%08d".
std::string CheckpointDir(const std::string& wal_dir, int index);

// The newest finished checkpoint in wal_dir as {path, index}; NotFound if
// there is none (temporary *.tmp directories are ignored).
Result<std::pair<std::string, int>> LastCheckpoint(const std::string& wal_dir);

// Deletes checkpoint directories with index < max_index.
Status DeleteCheckpoints(const std::string& wal_dir, int max_index);

struct CheckpointStats {
  int dropped_series = 0;
  int dropped_samples = 0;
  int dropped_tombstones = 0;
  int dropped_exemplars = 0;
  int dropped_metadata = 0;
  int total_series = 0;
  int total_samples = 0;
  int total_tombstones = 0;
  int total_exemplars = 0;
  int total_metadata = 0;
};

// Writes checkpoint.<to> from the previous checkpoint (if any) plus segments
// from..to of wal_dir: series records whose ref `keep` accepts, samples and
// exemplars with t >= mint, tombstones reaching mint, the latest metadata
// of kept series; unknown record types (e.g. histograms) are dropped.
// Written to a .tmp directory, fsynced, then renamed into place. The WAL
// segments are not deleted (WL::Truncate(to + 1) and DeleteCheckpoints(to)
// do that). Fails (writing nothing) if the input has any corruption.
Result<CheckpointStats> Checkpoint(const std::string& wal_dir, int from, int to,
                                   const std::function<bool(uint64_t series_ref)>& keep,
                                   int64_t mint, Compression compression = Compression::kNone);

}  // namespace ward::tsdb::wlog
