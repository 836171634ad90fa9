#include "tsdb/compact.h"

#include <algorithm>
#include <limits>

#include "tsdb/block/block_writer.h"
#include "tsdb/block/merge_querier.h"

namespace ward::tsdb {

namespace {

// Groups of consecutive blocks (sorted by min time) lying wholly inside one
// aligned window of width `tr`; a block wider than its window is skipped.
std::vector<std::vector<size_t>> SplitByRange(const std::vector<block::BlockMeta>& metas,
                                              const std::vector<size_t>& order, size_t n,
                                              int64_t tr) {
  std::vector<std::vector<size_t>> out;
  for (size_t i = 0; i < n;) {
    const block::BlockMeta& m = metas[order[i]];
    int64_t t0 = m.min_time >= 0 ? tr * (m.min_time / tr) : tr * ((m.min_time - tr + 1) / tr);
    if (m.max_time > t0 + tr) {
      ++i;
      continue;
    }
    std::vector<size_t> group;
    for (; i < n; ++i) {
      const block::BlockMeta& b = metas[order[i]];
      if (b.min_time < t0 || b.max_time > t0 + tr) break;
      group.push_back(order[i]);
    }
    if (!group.empty()) out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

std::vector<int64_t> ExponentialBlockRanges(int64_t min_ms, int steps, int64_t factor) {
  std::vector<int64_t> out;
  int64_t r = min_ms;
  for (int i = 0; i < steps; ++i) {
    out.push_back(r);
    if (r > std::numeric_limits<int64_t>::max() / factor) break;
    r *= factor;
  }
  return out;
}

std::vector<int64_t> CompactionRanges(int64_t min_ms, int64_t max_ms) {
  std::vector<int64_t> out;
  for (int64_t r : ExponentialBlockRanges(min_ms, 10, 3)) {
    if (r > max_ms && !out.empty()) break;
    out.push_back(r);
  }
  return out;
}

std::vector<size_t> PlanCompaction(const std::vector<block::BlockMeta>& metas,
                                   const std::vector<int64_t>& ranges) {
  std::vector<size_t> order(metas.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (metas[a].min_time != metas[b].min_time) return metas[a].min_time < metas[b].min_time;
    return metas[a].ulid < metas[b].ulid;
  });
  if (order.size() < 2) return {};

  // Vertical: the first run of blocks overlapping what precedes them.
  std::vector<size_t> overlapping;
  int64_t global_maxt = metas[order[0]].max_time;
  for (size_t i = 1; i < order.size(); ++i) {
    const block::BlockMeta& m = metas[order[i]];
    if (m.min_time < global_maxt) {
      if (overlapping.empty()) overlapping.push_back(order[i - 1]);
      overlapping.push_back(order[i]);
    } else if (!overlapping.empty()) {
      break;
    }
    global_maxt = std::max(global_maxt, m.max_time);
  }
  if (!overlapping.empty()) return overlapping;

  // Leveled: leave the newest block out (the head may still add a block
  // next to it), then the first group, by increasing range, that fills its
  // window or lies wholly before the newest remaining block.
  size_t n = order.size() - 1;
  if (ranges.size() < 2 || n == 0) return {};
  const int64_t high_time = metas[order[n - 1]].min_time;
  for (size_t r = 1; r < ranges.size(); ++r) {
    for (auto& group : SplitByRange(metas, order, n, ranges[r])) {
      if (group.size() < 2) continue;
      int64_t mint = metas[group.front()].min_time;
      int64_t maxt = metas[group.back()].max_time;
      if (maxt - mint == ranges[r] || maxt <= high_time) return group;
    }
  }
  return {};
}

Result<std::string> CompactBlocks(const std::string& dir,
                                  const std::vector<std::shared_ptr<block::Block>>& parents,
                                  int samples_per_chunk, chunkenc::Encoding chunk_encoding) {
  if (parents.empty()) return Status::InvalidArgument("compact: no blocks given");
  int64_t mint = std::numeric_limits<int64_t>::max();
  int64_t maxt = std::numeric_limits<int64_t>::min();
  block::WriteBlockOptions wo;
  wo.samples_per_chunk = samples_per_chunk;
  wo.chunk_encoding = chunk_encoding;
  wo.compaction_level = 0;
  std::vector<std::unique_ptr<storage::Querier>> qs;
  for (const auto& p : parents) {
    block::BlockMeta m = p->meta();
    mint = std::min(mint, m.min_time);
    maxt = std::max(maxt, m.max_time);
    wo.compaction_level = std::max(wo.compaction_level, m.compaction.level);
    for (const std::string& s : m.compaction.sources) wo.sources.push_back(s);
    if (m.compaction.sources.empty()) wo.sources.push_back(m.ulid);
    wo.parents.push_back({m.ulid, m.min_time, m.max_time});
    WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q,
                          p->NewQuerier(m.min_time, m.max_time - 1));
    qs.push_back(std::move(q));
  }
  wo.compaction_level += 1;
  std::sort(wo.sources.begin(), wo.sources.end());
  wo.sources.erase(std::unique(wo.sources.begin(), wo.sources.end()), wo.sources.end());
  block::MergeQuerier merged(std::move(qs));
  return block::WriteBlock(dir, merged, mint, maxt, wo);
}

}  // namespace ward::tsdb
