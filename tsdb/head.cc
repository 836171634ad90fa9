#include "tsdb/head.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>

#include "tsdb/chunks/head_chunks.h"
#include "tsdb/wlog/wlog.h"
#include "util/varint.h"

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

MemSeries* MemSeries::New(const uint32_t* ids, uint32_t nlabels) {
  size_t bytes = 0;
  for (size_t i = 0; i < 2 * size_t{nlabels}; ++i) bytes += varint::UvarintSize(ids[i]);
  void* p = ::operator new(sizeof(MemSeries) + bytes);
  MemSeries* s = new (p) MemSeries();
  s->nlabels = static_cast<uint16_t>(nlabels);
  char* out = reinterpret_cast<char*>(s + 1);
  for (size_t i = 0; i < 2 * size_t{nlabels}; ++i) out += varint::EncodeUvarint(out, ids[i]);
  return s;
}

void MemSeries::DecodeIds(uint32_t* out) const {
  ForEachLabel([&out](uint32_t n, uint32_t v) {
    *out++ = n;
    *out++ = v;
    return true;
  });
}

void MemSeries::Free(MemSeries* s) {
  if (s == nullptr) return;
  s->~MemSeries();
  ::operator delete(static_cast<void*>(s));
}

ChunkList& ChunkList::operator=(std::vector<ChunkMeta>&& v) {
  std::free(rep_);
  rep_ = nullptr;
  if (!v.empty()) {
    Grow(static_cast<uint32_t>(v.size()));
    std::copy(v.begin(), v.end(), rep_->metas());
    rep_->size = static_cast<uint32_t>(v.size());
  }
  v.clear();
  return *this;
}

void ChunkList::Grow(uint32_t cap) {
  const size_t bytes = sizeof(Rep) + sizeof(ChunkMeta) * size_t{cap};
  Rep* r = static_cast<Rep*>(std::realloc(rep_, bytes));
  if (r == nullptr) throw std::bad_alloc();
  if (rep_ == nullptr) r->size = 0;
  r->cap = cap;
  rep_ = r;
}

void ChunkList::push_back(const ChunkMeta& m) {
  const uint32_t n = static_cast<uint32_t>(size());
  if (rep_ == nullptr || n == rep_->cap) Grow(n < 2 ? 2 : n + n / 2);
  rep_->metas()[n] = m;
  rep_->size = n + 1;
}

void ChunkList::erase(const ChunkMeta* first, const ChunkMeta* last) {
  if (first == last) return;
  ChunkMeta* b = begin();
  const size_t from = static_cast<size_t>(first - b), to = static_cast<size_t>(last - b);
  std::copy(b + to, end(), b + from);
  rep_->size -= static_cast<uint32_t>(to - from);
  if (rep_->size == 0) {
    std::free(rep_);
    rep_ = nullptr;
  }
}

std::vector<ChunkMeta> ChunkList::Take() {
  std::vector<ChunkMeta> out(begin(), end());
  std::free(rep_);
  rep_ = nullptr;
  return out;
}

Head::Head(HeadOptions opts, wlog::WL* wal, chunks::ChunkDiskMapper* mapper)
    : opts_(opts), wal_(wal), mapper_(mapper), stripes_(new Stripe[kStripes]) {}

Head::~Head() {
  {
    std::lock_guard<std::mutex> l(create_mu_);
    for (uint32_t i = 0; i < next_id_; ++i) MemSeries::Free(by_id_.Get(i));  // null once unlinked
  }
  std::lock_guard<std::mutex> tl(truncate_mu_);
  for (MemSeries* s : retired_) MemSeries::Free(s);
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
  bool same = true;
  size_t i = 0;
  s.ForEachLabel([&](uint32_t n, uint32_t v) {
    same = symbols_.Get(n) == lset[i].name && symbols_.Get(v) == lset[i].value;
    ++i;
    return same;
  });
  return same;
}

labels::Labels Head::LabelsOf(const MemSeries& s) const {
  std::vector<labels::Label> ls;
  ls.reserve(s.nlabels);
  s.ForEachLabel([&](uint32_t n, uint32_t v) {
    ls.push_back(labels::Label{std::string(symbols_.Get(n)), std::string(symbols_.Get(v))});
    return true;
  });
  return labels::Labels(std::move(ls));
}

int Head::Compare(const MemSeries& sa, const MemSeries& sb) const {
  SeriesIds a(sa), b(sb);
  uint32_t n = std::min(sa.nlabels, sb.nlabels);
  for (uint32_t i = 0; i < n; ++i) {
    if (a[2 * i] != b[2 * i]) {
      int c = symbols_.Get(a[2 * i]).compare(symbols_.Get(b[2 * i]));
      if (c != 0) return c;
    }
    if (a[2 * i + 1] != b[2 * i + 1]) {
      int c = symbols_.Get(a[2 * i + 1]).compare(symbols_.Get(b[2 * i + 1]));
      if (c != 0) return c;
    }
  }
  return static_cast<int>(sa.nlabels) - static_cast<int>(sb.nlabels);
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
  for (MemSeries* s = *it; s != nullptr; s = s->next_same_hash) {
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
    MemSeries* head_of_chain = it == st.by_hash.end() ? nullptr : *it;
    for (MemSeries* c = head_of_chain; c != nullptr; c = c->next_same_hash) {
      if (SameLabels(*c, lset)) return c;
    }
    if (lset.size() > std::numeric_limits<uint16_t>::max()) return nullptr;
    std::unique_ptr<MemSeries, MemSeries::Deleter> ns;
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
      uint32_t inline_ids[kInline];
      std::unique_ptr<uint32_t[]> heap_ids;
      uint32_t* ids = inline_ids;
      if (2 * lset.size() > kInline) {
        heap_ids.reset(new uint32_t[2 * lset.size()]);
        ids = heap_ids.get();
      }
      symbols_.InternMany(strs, 2 * lset.size(), ids);
      ns.reset(MemSeries::New(ids, static_cast<uint32_t>(lset.size())));
    }
    ns->hash = hash;
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
    if (head_of_chain == nullptr) {
      st.by_hash.insert(s);
    } else {  // a hash collision: chain it behind the first
      s->next_same_hash = head_of_chain->next_same_hash;
      head_of_chain->next_same_hash = s;
    }
  }
  if (s->ref != uint64_t{s->id} + 1) {
    Stripe& st = stripes_[s->ref & (kStripes - 1)];
    std::lock_guard<std::mutex> l(st.mu);
    st.by_ref[s->ref] = s;
  }
  if (!bulk_load_) postings_.Add(s->id, SeriesIds(*s).data(), s->nlabels);
  num_series_.fetch_add(1, std::memory_order_relaxed);
  stats_.series_created.fetch_add(1, std::memory_order_relaxed);
  *created = true;
  return s;
}

bool Head::AppendLocked(MemSeries* s, int64_t t, double v) {
  // A chunk restored from a snapshot gets its appender on first use (a
  // corrupt one is dropped there).
  if (s->restored_chunk) [[unlikely]] {
    s->restored_chunk = false;
    if (s->head_chunk.has_value()) PrepareRestoredChunk(s);
  }
  if (!s->head_chunk.has_value()) {
    if (s->last_t >= t) return false;
    CutHeadChunk(s, t);
  } else {
    if (s->head_maxt() >= t) return false;
    int n = s->head_chunk->NumSamples();
    // At a quarter of the target size, predict where this chunk should end
    // so that the rest of the chunk range splits into even chunks.
    if (n == opts_.samples_per_chunk / 4) {
      s->next_at = ComputeChunkEndTime(s->head_mint, s->head_maxt(), s->next_at);
    }
    // The rate went up since the prediction: cut at twice the target.
    if (t >= s->next_at || n >= opts_.samples_per_chunk * 2) {
      FlushHeadChunk(s);
      CutHeadChunk(s, t);
    }
  }
  s->head_chunk->Append(t, v);
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
  if (c.GetAppender() == nullptr) {
    logger_.Error("Dropping a head chunk from the chunk snapshot that does not decode",
                  {{"series_ref", s->ref}, {"mint", s->head_mint}, {"maxt", s->head_maxt()}});
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
  s->restored_chunk = false;
  s->head_mint = t;
  s->next_at = RangeEnd(t, opts_.chunk_range_ms);
  stats_.chunks_created.fetch_add(1, std::memory_order_relaxed);
}

void Head::FlushHeadChunk(MemSeries* s) {
  if (!s->head_chunk.has_value()) return;
  ChunkMeta meta;
  meta.mint = s->head_mint;
  meta.maxt = s->head_maxt();
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
