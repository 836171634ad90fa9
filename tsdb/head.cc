#include "tsdb/head.h"

#include <algorithm>
#include <cstring>

#include "tsdb/chunks/head_chunks.h"
#include "tsdb/wlog/wlog.h"

namespace ward::tsdb {

namespace {

// The end of the chunk range holding t (Prometheus's rangeForTimestamp).
int64_t RangeEnd(int64_t t, int64_t width) { return (t / width) * width + width; }

// Estimates where to end a chunk so that the rest of the range [start, max)
// fills chunks of equal size, assuming samples keep their rate; the chunk
// at `cur` is taken as a quarter full (Prometheus's computeChunkEndTime).
int64_t ComputeChunkEndTime(int64_t start, int64_t cur, int64_t max) {
  double n = static_cast<double>(max - start) / (static_cast<double>(cur - start + 1) * 4);
  if (n <= 1) return max;
  return static_cast<int64_t>(static_cast<double>(start) +
                              static_cast<double>(max - start) / std::floor(n));
}

}  // namespace

Head::Head(HeadOptions opts, wlog::WL* wal, chunks::ChunkDiskMapper* mapper)
    : opts_(opts), wal_(wal), mapper_(mapper), stripes_(new Stripe[kStripes]) {}

Head::~Head() {
  {
    std::lock_guard<std::mutex> l(create_mu_);
    for (uint32_t i = 0; i < next_id_; ++i) delete by_id_.Get(i);  // null once unlinked
  }
  std::lock_guard<std::mutex> tl(truncate_mu_);
  for (MemSeries* s : retired_) delete s;
}

void Head::DisableWrites(const Status& why) {
  if (!writes_disabled_.exchange(true)) {
    logger_.Error("Head stops accepting appends", {{"err", why}});
  }
}

int64_t Head::MinValidTime() const {
  int64_t mv = min_valid_time_.load(std::memory_order_relaxed);
  int64_t maxt = MaxTime();
  if (maxt == std::numeric_limits<int64_t>::min()) return mv;
  int64_t half = opts_.chunk_range_ms / 2;
  int64_t bound = maxt < std::numeric_limits<int64_t>::min() + half
                      ? std::numeric_limits<int64_t>::min()
                      : maxt - half;
  return std::max(mv, bound);
}

void Head::UpdateMinMax(int64_t mint, int64_t maxt) {
  int64_t cur = min_time_.load(std::memory_order_relaxed);
  while (mint < cur && !min_time_.compare_exchange_weak(cur, mint, std::memory_order_relaxed)) {
  }
  cur = max_time_.load(std::memory_order_relaxed);
  while (maxt > cur && !max_time_.compare_exchange_weak(cur, maxt, std::memory_order_relaxed)) {
  }
}

bool Head::SameLabels(const MemSeries& s, const labels::Labels& lset) const {
  if (s.nlabels != lset.size()) return false;
  for (uint32_t i = 0; i < s.nlabels; ++i) {
    if (symbols_.Get(s.syms[2 * i]) != lset[i].name) return false;
    if (symbols_.Get(s.syms[2 * i + 1]) != lset[i].value) return false;
  }
  return true;
}

labels::Labels Head::LabelsOf(const MemSeries& s) const {
  std::vector<labels::Label> ls;
  ls.reserve(s.nlabels);
  for (uint32_t i = 0; i < s.nlabels; ++i) {
    ls.push_back(labels::Label{std::string(symbols_.Get(s.syms[2 * i])),
                               std::string(symbols_.Get(s.syms[2 * i + 1]))});
  }
  return labels::Labels(std::move(ls));
}

int Head::Compare(const MemSeries& a, const MemSeries& b) const {
  uint32_t n = std::min(a.nlabels, b.nlabels);
  for (uint32_t i = 0; i < n; ++i) {
    if (a.syms[2 * i] != b.syms[2 * i]) {
      int c = symbols_.Get(a.syms[2 * i]).compare(symbols_.Get(b.syms[2 * i]));
      if (c != 0) return c;
    }
    if (a.syms[2 * i + 1] != b.syms[2 * i + 1]) {
      int c = symbols_.Get(a.syms[2 * i + 1]).compare(symbols_.Get(b.syms[2 * i + 1]));
      if (c != 0) return c;
    }
  }
  return static_cast<int>(a.nlabels) - static_cast<int>(b.nlabels);
}

MemSeries* Head::GetByRef(uint64_t ref) const {
  if (ref != 0 && ref - 1 < num_ids_.load(std::memory_order_acquire)) {
    MemSeries* s = by_id_.Get(ref - 1);
    if (s != nullptr && s->ref == ref) return s;
  }
  const Stripe& st = stripes_[ref & (kStripes - 1)];
  std::lock_guard<std::mutex> l(st.mu);
  auto it = st.by_ref.find(ref);
  return it == st.by_ref.end() ? nullptr : it->second;
}

MemSeries* Head::GetByLabels(const labels::Labels& lset, uint64_t hash) const {
  const Stripe& st = stripes_[hash & (kStripes - 1)];
  std::lock_guard<std::mutex> l(st.mu);
  auto it = st.by_hash.find(hash);
  if (it == st.by_hash.end()) return nullptr;
  for (MemSeries* s = it->second; s != nullptr; s = s->next_same_hash) {
    if (SameLabels(*s, lset)) return s;
  }
  return nullptr;
}

MemSeries* Head::GetOrCreate(const labels::Labels& lset, uint64_t hash, uint64_t ref,
                             bool* created) {
  *created = false;
  MemSeries* s = nullptr;
  {
    Stripe& st = stripes_[hash & (kStripes - 1)];
    std::lock_guard<std::mutex> l(st.mu);
    auto it = st.by_hash.find(hash);
    MemSeries* head_of_chain = it == st.by_hash.end() ? nullptr : it->second;
    for (MemSeries* c = head_of_chain; c != nullptr; c = c->next_same_hash) {
      if (SameLabels(*c, lset)) return c;
    }
    auto ns = std::make_unique<MemSeries>();
    ns->hash = hash;
    ns->nlabels = static_cast<uint32_t>(lset.size());
    ns->syms.reset(new uint32_t[2 * lset.size()]);
    {
      constexpr size_t kInline = 32;
      std::string_view inline_strs[kInline];
      std::vector<std::string_view> heap_strs;
      std::string_view* strs = inline_strs;
      if (2 * lset.size() > kInline) {
        heap_strs.resize(2 * lset.size());
        strs = heap_strs.data();
      }
      for (size_t i = 0; i < lset.size(); ++i) {
        strs[2 * i] = lset[i].name;
        strs[2 * i + 1] = lset[i].value;
      }
      symbols_.InternMany(strs, 2 * lset.size(), ns->syms.get());
    }
    {
      // Refs and ids are handed out together so that, for series the head
      // creates, ref == id + 1 and GetByRef needs no map.
      std::lock_guard<std::mutex> cl(create_mu_);
      if (next_id_ >= by_id_.capacity() - 1) return nullptr;
      if (ref == 0) {
        ns->ref = next_ref_.fetch_add(1, std::memory_order_relaxed);
      } else {
        ns->ref = ref;
        if (ref >= next_ref_.load(std::memory_order_relaxed)) {
          next_ref_.store(ref + 1, std::memory_order_relaxed);
        }
      }
      ns->id = next_id_;
      by_id_.Set(next_id_, ns.get());
      ++next_id_;
      num_ids_.store(next_id_, std::memory_order_release);
    }
    s = ns.release();
    s->next_same_hash = head_of_chain;
    st.by_hash[hash] = s;
  }
  if (s->ref != uint64_t{s->id} + 1) {
    Stripe& st = stripes_[s->ref & (kStripes - 1)];
    std::lock_guard<std::mutex> l(st.mu);
    st.by_ref[s->ref] = s;
  }
  if (!bulk_load_) postings_.Add(s->id, s->syms.get(), s->nlabels);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  stats_.series_created.fetch_add(1, std::memory_order_relaxed);
  *created = true;
  return s;
}

bool Head::AppendLocked(MemSeries* s, int64_t t, double v) {
  // A chunk restored from a snapshot gets its appender on first use (a
  // corrupt one is dropped there).
  if (s->app == nullptr && s->head_chunk.has_value()) [[unlikely]] {
    PrepareRestoredChunk(s);
  }
  if (!s->head_chunk.has_value()) {
    if (s->last_t >= t) return false;
    CutHeadChunk(s, t);
  } else {
    if (s->head_maxt >= t) return false;
    int n = s->head_chunk->NumSamples();
    // At a quarter of the target size, predict where this chunk should end
    // so that the rest of the chunk range splits into even chunks.
    if (n == opts_.samples_per_chunk / 4) {
      s->next_at = ComputeChunkEndTime(s->head_mint, s->head_maxt, s->next_at);
    }
    // The rate went up since the prediction: cut at twice the target.
    if (t >= s->next_at || n >= opts_.samples_per_chunk * 2) {
      FlushHeadChunk(s);
      CutHeadChunk(s, t);
    }
  }
  s->app->Append(t, v);
  s->head_maxt = t;
  s->last_t = t;
  std::memcpy(&s->last_v_bits, &v, sizeof v);
  s->has_last_v = true;
  return true;
}

bool Head::RecoverLastValue(MemSeries* s) const {
  if (s->has_last_v) return true;
  if (s->head_chunk.has_value() || s->full_chunks.empty()) return false;
  const ChunkMeta& last = s->full_chunks.back();
  if (last.maxt != s->last_t) return false;
  Result<std::string_view> b = ChunkBytes(last);
  if (!b.ok()) return false;
  auto it = chunkenc::XORChunk::IterateBytes(*b);
  while (it.Next()) {
    if (it.AtT() == last.maxt) {
      double v = it.AtV();
      std::memcpy(&s->last_v_bits, &v, sizeof v);
      s->has_last_v = true;
    }
  }
  return s->has_last_v;
}

bool Head::PrepareRestoredChunk(MemSeries* s) {
  chunkenc::XORChunk& c = *s->head_chunk;
  s->app = c.GetAppender();
  if (s->app == nullptr) {
    logger_.Error("Dropping a head chunk from the chunk snapshot that does not decode",
                  {{"series_ref", s->ref}, {"mint", s->head_mint}, {"maxt", s->head_maxt}});
    s->head_chunk.reset();
    return false;
  }
  // The cut time AppendLocked would hold after appending these samples.
  s->next_at = RangeEnd(s->head_mint, opts_.chunk_range_ms);
  const int quarter = opts_.samples_per_chunk / 4;
  if (c.NumSamples() > quarter) {
    auto it = chunkenc::XORChunk::IterateBytes(c.Bytes());
    int64_t t = s->head_mint;
    for (int i = 0; i < quarter && it.Next(); ++i) t = it.AtT();
    s->next_at = ComputeChunkEndTime(s->head_mint, t, s->next_at);
  }
  return true;
}

void Head::CutHeadChunk(MemSeries* s, int64_t t) {
  s->head_chunk.emplace();
  s->app = s->head_chunk->GetAppender();
  s->head_mint = t;
  s->head_maxt = t;
  s->next_at = RangeEnd(t, opts_.chunk_range_ms);
  stats_.chunks_created.fetch_add(1, std::memory_order_relaxed);
}

void Head::FlushHeadChunk(MemSeries* s) {
  if (!s->head_chunk.has_value()) return;
  ChunkMeta meta;
  meta.mint = s->head_mint;
  meta.maxt = s->head_maxt;
  meta.num_samples = static_cast<uint16_t>(s->head_chunk->NumSamples());
  std::string_view bytes = s->head_chunk->Bytes();
  bool written = false;
  if (mapper_ != nullptr) {
    Result<uint64_t> ref =
        mapper_->WriteChunk(s->ref, meta.mint, meta.maxt, chunkenc::Encoding::kXOR, bytes);
    if (ref.ok()) {
      meta.ref = *ref;
      written = true;
      stats_.chunks_mmapped.fetch_add(1, std::memory_order_relaxed);
    } else {
      // Keep the chunk in memory: the samples stay queryable and are in the
      // WAL, so nothing is lost; only memory use grows.
      logger_.Error("Writing head chunk to disk failed; keeping it in memory",
                    {{"err", ref.status()}});
    }
  }
  if (!written) {
    std::lock_guard<std::mutex> l(mem_chunks_mu_);
    meta.ref = mem_chunks_.size();
    meta.in_memory = true;
    mem_chunks_.emplace_back(bytes);
  }
  s->full_chunks.push_back(meta);
  s->head_chunk.reset();
  s->app = nullptr;
}

Result<std::string_view> Head::ChunkBytes(const ChunkMeta& c) const {
  if (c.in_memory) {
    std::lock_guard<std::mutex> l(mem_chunks_mu_);
    if (c.ref >= mem_chunks_.size()) return Status::Internal("bad in-memory chunk ref");
    return std::string_view(mem_chunks_[c.ref]);
  }
  if (mapper_ == nullptr) return Status::Internal("no chunk disk mapper");
  return mapper_->Chunk(c.ref);
}

}  // namespace ward::tsdb
