// Block opening and validation, postings for matchers, and the block
// querier, series set and sample iterator.
#include "tsdb/block/block.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <roaring/roaring.hh>

#include "absl/container/flat_hash_set.h"
#include "tsdb/chunkenc/dense.h"
#include "tsdb/chunkenc/xor.h"

namespace ward::tsdb::block {
namespace {

using labels::Matcher;
using labels::MatchType;

// ---- postings

Status UnionWhere(const index::IndexReader& ix, const Matcher& m, bool want, Roaring* out) {
  bool single =
      (m.type() == MatchType::kEqual && want) || (m.type() == MatchType::kNotEqual && !want);
  std::vector<uint32_t> ids;
  if (single) {
    WARD_RETURN_IF_ERROR(ix.Postings(m.name(), m.value(), &ids));
    out->addMany(ids.size(), ids.data());
    return Status::OK();
  }
  return ix.ForEachPostings(
      m.name(), [&](std::string_view v) { return m.Matches(v) == want; },
      [&](std::string_view, const std::vector<uint32_t>& p) { out->addMany(p.size(), p.data()); });
}

// ---- iteration

bool Deleted(const tombstones::Intervals& ivs, int64_t t, size_t* hint) {
  while (*hint < ivs.size() && ivs[*hint].maxt < t) ++*hint;
  return *hint < ivs.size() && ivs[*hint].mint <= t;
}

class BlockSampleIterator final : public storage::SampleIterator {
 public:
  BlockSampleIterator(std::shared_ptr<const Block> b, std::vector<index::ChunkMeta> chunks,
                      tombstones::Intervals deleted, int64_t mint, int64_t maxt)
      : b_(std::move(b)),
        chunks_(std::move(chunks)),
        deleted_(std::move(deleted)),
        mint_(mint),
        maxt_(maxt) {}

  storage::ValueType Next() override {
    if (done_) return storage::ValueType::kNone;
    while (true) {
      if (!open_) {
        if (idx_ >= chunks_.size()) return Done();
        if (!OpenChunk()) return Done();
      }
      if (!(dense_ ? dit_.Next() : it_.Next())) {
        Status s = dense_ ? dit_.Err() : it_.Err();
        if (!s.ok()) {
          err_ =
              s.WithContext("block " + b_->dir() + " chunk " + std::to_string(chunks_[idx_].ref));
          return Done();
        }
        open_ = false;
        ++idx_;
        continue;
      }
      int64_t t = dense_ ? dit_.AtT() : it_.AtT();
      if (t < mint_) continue;
      if (t > maxt_) return Done();
      if (!deleted_.empty() && Deleted(deleted_, t, &del_hint_)) continue;
      t_ = t;
      v_ = dense_ ? dit_.AtV() : it_.AtV();
      has_cur_ = true;
      return storage::ValueType::kFloat;
    }
  }

  storage::ValueType Seek(int64_t t) override {
    if (done_) return storage::ValueType::kNone;
    if (has_cur_ && t_ >= t) return storage::ValueType::kFloat;
    // Skip whole chunks ending before t.
    if (!open_) {
      while (idx_ < chunks_.size() && chunks_[idx_].maxt < t) ++idx_;
    }
    storage::ValueType vt;
    while ((vt = Next()) != storage::ValueType::kNone) {
      if (t_ >= t) return vt;
    }
    return vt;
  }

  void At(int64_t* t, double* v) const override {
    *t = t_;
    *v = v_;
  }
  int64_t AtT() const override { return t_; }
  Status Err() const override { return err_; }

 private:
  storage::ValueType Done() {
    done_ = true;
    return storage::ValueType::kNone;
  }
  bool OpenChunk() {
    chunkenc::Encoding enc;
    std::string_view data;
    Status s = b_->chunks().Chunk(chunks_[idx_].ref, &enc, &data);
    if (!s.ok()) {
      err_ = s.WithContext("block " + b_->dir());
      return false;
    }
    if (enc == chunkenc::Encoding::kXOR) {
      dense_ = false;
      it_.Reset(data);
    } else if (enc == chunkenc::Encoding::kDense) {
      dense_ = true;
      dit_.Reset(data);
    } else {
      err_ = Status::Corruption("block " + b_->dir() + ": unsupported chunk encoding " +
                                std::string(chunkenc::EncodingName(enc)));
      return false;
    }
    open_ = true;
    return true;
  }

  std::shared_ptr<const Block> b_;
  std::vector<index::ChunkMeta> chunks_;
  tombstones::Intervals deleted_;
  const int64_t mint_, maxt_;
  size_t idx_ = 0;
  size_t del_hint_ = 0;
  bool open_ = false;
  bool has_cur_ = false;  // t_, v_ hold a returned sample
  bool done_ = false;
  bool dense_ = false;  // the open chunk is kDense (dit_) rather than kXOR (it_)
  chunkenc::XORChunk::Iterator it_;
  chunkenc::DenseIterator dit_;
  int64_t t_ = std::numeric_limits<int64_t>::min();
  double v_ = 0;
  Status err_;
};

class BlockSeries final : public storage::Series {
 public:
  const labels::Labels& Labels() const override { return lset_; }
  std::unique_ptr<storage::SampleIterator> Iterator() const override {
    return std::make_unique<BlockSampleIterator>(b_, chunks_, deleted_, mint_, maxt_);
  }

  std::shared_ptr<const Block> b_;
  labels::Labels lset_;
  std::vector<index::ChunkMeta> chunks_;
  tombstones::Intervals deleted_;
  int64_t mint_ = 0, maxt_ = 0;
};

class BlockSeriesSet final : public storage::SeriesSet {
 public:
  BlockSeriesSet(std::shared_ptr<const Block> b,
                 std::shared_ptr<const tombstones::MemTombstones> ts, std::vector<uint32_t> ids,
                 int64_t mint, int64_t maxt)
      : b_(std::move(b)), ts_(std::move(ts)), ids_(std::move(ids)) {
    cur_.b_ = b_;
    cur_.mint_ = mint;
    cur_.maxt_ = maxt;
  }

  bool Next() override {
    const index::IndexReader& ix = b_->index();
    while (err_.ok() && pos_ < ids_.size()) {
      uint32_t id = ids_[pos_++];
      Status s = ix.SeriesRefs(id, &syms_, &all_chunks_);
      if (!s.ok()) {
        err_ = s.WithContext("block " + b_->dir());
        return false;
      }
      const tombstones::Intervals* del = ts_->Get(id);
      cur_.chunks_.clear();
      for (const index::ChunkMeta& c : all_chunks_) {
        if (c.maxt < cur_.mint_ || c.mint > cur_.maxt_) continue;
        if (del != nullptr && Covered(*del, c)) continue;
        cur_.chunks_.push_back(c);
      }
      if (cur_.chunks_.empty()) continue;
      std::vector<labels::Label> ls;
      ls.reserve(syms_.size() / 2);
      for (size_t i = 0; i + 1 < syms_.size(); i += 2) {
        auto n = ix.Symbol(syms_[i]);
        auto v = ix.Symbol(syms_[i + 1]);
        if (!n.ok() || !v.ok()) {
          err_ = (n.ok() ? v.status() : n.status()).WithContext("block " + b_->dir());
          return false;
        }
        ls.push_back({std::string(n.value()), std::string(v.value())});
      }
      cur_.lset_ = labels::Labels(std::move(ls));
      if (del != nullptr) {
        cur_.deleted_ = *del;
      } else {
        cur_.deleted_.clear();
      }
      return true;
    }
    return false;
  }
  const storage::Series& At() const override { return cur_; }
  Status Err() const override { return err_; }

 private:
  static bool Covered(const tombstones::Intervals& ivs, const index::ChunkMeta& c) {
    for (const auto& iv : ivs) {
      if (iv.mint <= c.mint && c.maxt <= iv.maxt) return true;
    }
    return false;
  }

  std::shared_ptr<const Block> b_;
  std::shared_ptr<const tombstones::MemTombstones> ts_;
  std::vector<uint32_t> ids_;
  size_t pos_ = 0;
  std::vector<uint32_t> syms_;
  std::vector<index::ChunkMeta> all_chunks_;
  BlockSeries cur_;
  Status err_;
};

class BlockQuerier final : public storage::Querier {
 public:
  BlockQuerier(std::shared_ptr<const Block> b, int64_t mint, int64_t maxt)
      : b_(std::move(b)), ts_(b_->tombstones()), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<storage::SeriesSet> Select(bool sorted, const storage::SelectHints* hints,
                                             const std::vector<Matcher>& matchers) override {
    int64_t mint = mint_, maxt = maxt_;
    if (hints != nullptr) {
      mint = std::max(mint, hints->start_ms);
      maxt = std::min(maxt, hints->end_ms);
    }
    if (!Overlaps(mint, maxt)) return storage::EmptySeriesSet();
    auto ids = PostingsForMatchers(b_->index(), matchers);
    if (!ids.ok()) return storage::EmptySeriesSet(ids.status().WithContext("block " + b_->dir()));
    // Ids increase with label order, so the set is always sorted.
    (void)sorted;
    return std::make_unique<BlockSeriesSet>(b_, ts_, std::move(ids).value(), mint, maxt);
  }

  Result<std::vector<std::string>> LabelValues(const std::string& name,
                                               const std::vector<Matcher>& matchers) override {
    std::vector<std::string> out;
    if (!Overlaps(mint_, maxt_)) return out;
    const index::IndexReader& ix = b_->index();
    if (matchers.empty()) {
      for (std::string_view v : ix.LabelValues(name)) out.emplace_back(v);
      return out;
    }
    auto name_sym = ix.LookupSymbol(name);
    if (!name_sym.ok()) return out;
    WARD_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, PostingsForMatchers(ix, matchers));
    absl::flat_hash_set<uint32_t> values;
    std::vector<uint32_t> syms;
    std::vector<index::ChunkMeta> chks;
    for (uint32_t id : ids) {
      WARD_RETURN_IF_ERROR(ix.SeriesRefs(id, &syms, &chks));
      for (size_t i = 0; i + 1 < syms.size(); i += 2) {
        if (syms[i] == name_sym.value()) values.insert(syms[i + 1]);
      }
    }
    return Resolve(values);
  }

  Result<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override {
    std::vector<std::string> out;
    if (!Overlaps(mint_, maxt_)) return out;
    const index::IndexReader& ix = b_->index();
    if (matchers.empty()) {
      for (std::string_view v : ix.LabelNames()) out.emplace_back(v);
      return out;
    }
    WARD_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, PostingsForMatchers(ix, matchers));
    absl::flat_hash_set<uint32_t> names;
    std::vector<uint32_t> syms;
    std::vector<index::ChunkMeta> chks;
    for (uint32_t id : ids) {
      WARD_RETURN_IF_ERROR(ix.SeriesRefs(id, &syms, &chks));
      for (size_t i = 0; i < syms.size(); i += 2) names.insert(syms[i]);
    }
    return Resolve(names);
  }

 private:
  bool Overlaps(int64_t mint, int64_t maxt) const {
    // The block holds [MinTime, MaxTime).
    return mint <= maxt && mint < b_->MaxTime() && b_->MinTime() <= maxt;
  }
  Result<std::vector<std::string>> Resolve(const absl::flat_hash_set<uint32_t>& syms) const {
    std::vector<uint32_t> sorted(syms.begin(), syms.end());
    std::sort(sorted.begin(), sorted.end());  // symbol order is string order
    std::vector<std::string> out;
    out.reserve(sorted.size());
    for (uint32_t s : sorted) {
      WARD_ASSIGN_OR_RETURN(std::string_view v, b_->index().Symbol(s));
      out.emplace_back(v);
    }
    return out;
  }

  std::shared_ptr<const Block> b_;
  std::shared_ptr<const tombstones::MemTombstones> ts_;  // as of NewQuerier
  const int64_t mint_, maxt_;
};

}  // namespace

Result<std::vector<uint32_t>> PostingsForMatchers(const index::IndexReader& ix,
                                                  const std::vector<Matcher>& ms) {
  std::vector<uint32_t> out;
  if (ms.empty()) return out;
  std::vector<std::string_view> must_be_set;
  for (const Matcher& m : ms) {
    if (!m.MatchesEmpty()) must_be_set.push_back(m.name());
  }
  auto is_set = [&](std::string_view n) {
    return std::find(must_be_set.begin(), must_be_set.end(), n) != must_be_set.end();
  };
  std::vector<Roaring> its, not_its;
  for (const Matcher& m : ms) {
    bool is_not = m.type() == MatchType::kNotEqual || m.type() == MatchType::kRegexNoMatch;
    Roaring r;
    if (is_set(m.name()) && !(is_not && m.MatchesEmpty())) {
      // l="a", l=~"a.+", l!="": series whose value it accepts.
      WARD_RETURN_IF_ERROR(UnionWhere(ix, m, true, &r));
      if (r.isEmpty()) return out;
      its.push_back(std::move(r));
    } else {
      // m accepts "" (or l!="x" with l required elsewhere): subtract the
      // series whose value it rejects.
      WARD_RETURN_IF_ERROR(UnionWhere(ix, m, false, &r));
      not_its.push_back(std::move(r));
    }
  }
  Roaring result;
  if (its.empty()) {
    std::vector<uint32_t> all;
    WARD_RETURN_IF_ERROR(ix.AllPostings(&all));
    result.addMany(all.size(), all.data());
  } else {
    std::sort(its.begin(), its.end(),
              [](const Roaring& a, const Roaring& b) { return a.cardinality() < b.cardinality(); });
    result = std::move(its[0]);
    for (size_t i = 1; i < its.size() && !result.isEmpty(); ++i) result &= its[i];
  }
  for (const Roaring& n : not_its) {
    if (result.isEmpty()) break;
    result -= n;
  }
  out.resize(result.cardinality());
  if (!out.empty()) result.toUint32Array(out.data());
  return out;
}

Result<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  auto ctx = [&](const Status& s) { return s.WithContext("open block " + dir); };
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound("open block " + dir + ": not a directory");
  }
  auto meta = ReadMetaFile(dir);
  if (!meta.ok()) return ctx(meta.status());
  b->meta_ = std::move(meta).value();
  auto ix = index::IndexReader::Open(dir + "/" + index::kIndexFilename);
  if (!ix.ok()) {
    Status s = ix.status();
    if (s.IsIOError() && !std::filesystem::exists(dir + "/" + index::kIndexFilename, ec)) {
      s = Status::Corruption(dir + "/index: missing");
    }
    return ctx(s);
  }
  b->index_ = std::move(ix).value();
  auto cr = chunks::SegmentReader::Open(dir + "/chunks");
  if (!cr.ok()) {
    Status s = cr.status();
    if (s.IsIOError() && !std::filesystem::exists(dir + "/chunks", ec)) {
      s = Status::Corruption(dir + "/chunks: missing");
    }
    return ctx(s);
  }
  b->chunks_ = std::move(cr).value();
  int64_t ts_size = 0;
  auto ts = tombstones::ReadFile(dir, &ts_size);
  if (!ts.ok()) return ctx(ts.status());
  b->tombstones_ = std::make_shared<const tombstones::MemTombstones>(std::move(ts).value());
  int64_t meta_size = static_cast<int64_t>(std::filesystem::file_size(dir + "/meta.json", ec));
  if (ec) meta_size = 0;
  b->size_ = static_cast<int64_t>(b->index_->Size()) + b->chunks_->Size() + ts_size + meta_size;
  return b;
}

BlockMeta Block::meta() const {
  std::lock_guard<std::mutex> l(mu_);
  return meta_;
}

std::shared_ptr<const tombstones::MemTombstones> Block::tombstones() const {
  std::lock_guard<std::mutex> l(mu_);
  return tombstones_;
}

Status Block::Delete(int64_t mint, int64_t maxt, const std::vector<labels::Matcher>& ms) {
  WARD_ASSIGN_OR_RETURN(std::vector<uint32_t> ids, PostingsForMatchers(*index_, ms));
  std::lock_guard<std::mutex> l(mu_);
  auto next = std::make_shared<tombstones::MemTombstones>(*tombstones_);
  std::vector<uint32_t> syms;
  std::vector<index::ChunkMeta> chks;
  for (uint32_t id : ids) {
    WARD_RETURN_IF_ERROR(
        index_->SeriesRefs(id, &syms, &chks).WithContext("delete in block " + dir_));
    for (const index::ChunkMeta& c : chks) {
      if (c.mint <= maxt && mint <= c.maxt) {
        next->AddInterval(id, {mint, maxt});
        break;
      }
    }
  }
  WARD_RETURN_IF_ERROR(tombstones::WriteFile(dir_, *next).status());
  BlockMeta m = meta_;
  m.stats.num_tombstones = next->NumIntervals();
  WARD_RETURN_IF_ERROR(WriteMetaFile(dir_, m));
  meta_.stats.num_tombstones = m.stats.num_tombstones;
  tombstones_ = std::move(next);
  return Status::OK();
}

Result<std::unique_ptr<storage::Querier>> Block::NewQuerier(int64_t mint, int64_t maxt) {
  return std::unique_ptr<storage::Querier>(
      std::make_unique<BlockQuerier>(shared_from_this(), mint, maxt));
}

}  // namespace ward::tsdb::block
