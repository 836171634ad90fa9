// Head::Delete: tombstones for the head's series, logged to the WAL and
// applied by the head's iterators (head_read.cc); replayed in head_wal.cc.
#include <algorithm>
#include <mutex>

#include "tsdb/head.h"
#include "tsdb/record/record.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb {

std::shared_ptr<const tombstones::MemTombstones> Head::Tombstones() const {
  std::lock_guard<std::mutex> l(tomb_mu_);
  return tombstones_;
}

void Head::AddTombstones(const std::vector<std::pair<uint64_t, tombstones::Interval>>& stones) {
  std::lock_guard<std::mutex> l(tomb_mu_);
  auto next = tombstones_ ? std::make_shared<tombstones::MemTombstones>(*tombstones_)
                          : std::make_shared<tombstones::MemTombstones>();
  for (const auto& [ref, iv] : stones) next->AddInterval(ref, iv);
  tombstones_ = std::move(next);
}

Status Head::Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms) {
  if (mint > maxt) return Status::OK();
  // Clip to the head's data, as Prometheus does: nothing outside can match.
  mint = std::max(mint, MinTime());
  maxt = std::min(maxt, MaxTime());
  if (mint > maxt) return Status::OK();
  Roaring ids = postings_.ForMatchers(ms);
  std::vector<record::Stone> stones;
  std::vector<std::pair<uint64_t, tombstones::Interval>> add;
  {
    HeadReadPin pin(this);  // series stay allocated while we read them
    for (uint32_t id : ids) {
      MemSeries* s = by_id_.Get(id);
      if (s == nullptr) continue;
      stones.push_back({s->ref, mint, maxt});
      add.push_back({s->ref, {mint, maxt}});
    }
  }
  if (stones.empty()) return Status::OK();
  if (wal_ != nullptr) {
    std::string rec;
    record::EncodeTombstones(stones, &rec);
    WARD_RETURN_IF_ERROR(wal_->Log(std::string_view(rec)).WithContext("log tombstones"));
  }
  AddTombstones(add);
  return Status::OK();
}

}  // namespace ward::tsdb
