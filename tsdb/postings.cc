#include "tsdb/postings.h"

#include <algorithm>
#include <iterator>
#include <mutex>

namespace ward::tsdb {

using labels::Matcher;
using labels::MatchType;

uint32_t MemPostings::NewBitmap() {
  if (!free_bitmaps_.empty()) {
    uint32_t slot = free_bitmaps_.back();
    free_bitmaps_.pop_back();
    bitmaps_[slot] = std::make_unique<Roaring>();
    return slot;
  }
  bitmaps_.push_back(std::make_unique<Roaring>());
  return static_cast<uint32_t>(bitmaps_.size() - 1);
}

MemPostings::Entry32 MemPostings::NewEntry(uint32_t id) {
  if (id < kBitmapFlag) return id;
  // Ids this large cannot be stored inline: the value gets a bitmap at once.
  uint32_t slot = NewBitmap();
  bitmaps_[slot]->add(id);
  return kBitmapFlag | slot;
}

void MemPostings::AddTo(Entry32* e, uint32_t id) {
  if ((*e & kBitmapFlag) != 0) {
    bitmaps_[*e & ~kBitmapFlag]->add(id);
    return;
  }
  if (*e == id) return;
  uint32_t slot = NewBitmap();
  bitmaps_[slot]->add(*e);
  bitmaps_[slot]->add(id);
  *e = kBitmapFlag | slot;
}

bool MemPostings::RemoveFrom(Entry32* e, uint32_t id) {
  if ((*e & kBitmapFlag) == 0) return *e == id;
  const uint32_t slot = *e & ~kBitmapFlag;
  Roaring& bm = *bitmaps_[slot];
  bm.remove(id);
  if (!bm.isEmpty()) return false;
  bitmaps_[slot].reset();
  free_bitmaps_.push_back(slot);
  return true;
}

Roaring MemPostings::ToRoaring(Entry32 e) const {
  if ((e & kBitmapFlag) != 0) return *bitmaps_[e & ~kBitmapFlag];
  Roaring r;
  r.add(e);
  return r;
}

void MemPostings::Add(uint32_t id, const uint32_t* pairs, size_t n) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (size_t i = 0; i < n; ++i) {
    ValueMap& vm = index_[pairs[2 * i]];
    auto [it, inserted] = vm.try_emplace(pairs[2 * i + 1], 0);
    if (inserted) {
      it->second = NewEntry(id);
    } else {
      AddTo(&it->second, id);
    }
  }
  all_.add(id);
}

void MemPostings::AddBatch(const std::vector<Entry>& entries) {
  std::unique_lock<std::shared_mutex> l(mu_);
  // Series mostly share their label names position by position: remember
  // the value map of the name last seen at each position. Inserting a new
  // name may move every value map, so the cache is dropped then.
  constexpr size_t kSlots = 16;
  uint32_t cached_name[kSlots];
  ValueMap* cached_map[kSlots] = {};
  for (const Entry& e : entries) {
    for (size_t i = 0; i < e.n; ++i) {
      const uint32_t name = e.pairs[2 * i];
      ValueMap* vm = nullptr;
      if (i < kSlots && cached_map[i] != nullptr && cached_name[i] == name) {
        vm = cached_map[i];
      } else {
        auto [it, inserted] = index_.try_emplace(name);
        if (inserted) std::fill(std::begin(cached_map), std::end(cached_map), nullptr);
        vm = &it->second;
        if (i < kSlots) {
          cached_name[i] = name;
          cached_map[i] = vm;
        }
      }
      auto [it, inserted] = vm->try_emplace(e.pairs[2 * i + 1], 0);
      if (inserted) {
        it->second = NewEntry(e.id);
      } else {
        AddTo(&it->second, e.id);
      }
    }
    all_.add(e.id);
  }
}

void MemPostings::Delete(uint32_t id, const uint32_t* pairs, size_t n) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (size_t i = 0; i < n; ++i) {
    auto it = index_.find(pairs[2 * i]);
    if (it == index_.end()) continue;
    auto vit = it->second.find(pairs[2 * i + 1]);
    if (vit == it->second.end()) continue;
    if (RemoveFrom(&vit->second, id)) it->second.erase(vit);
    if (it->second.empty()) index_.erase(it);
  }
  all_.remove(id);
}

Roaring MemPostings::All() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return all_;
}

Roaring MemPostings::Get(std::string_view name, std::string_view value) const {
  uint32_t n, v;
  if (!syms_->Find(name, &n) || !syms_->Find(value, &v)) return Roaring();
  std::shared_lock<std::shared_mutex> l(mu_);
  auto it = index_.find(n);
  if (it == index_.end()) return Roaring();
  auto vit = it->second.find(v);
  return vit == it->second.end() ? Roaring() : ToRoaring(vit->second);
}

Roaring MemPostings::UnionWhere(const Matcher& m, bool want) const {
  uint32_t name_id;
  if (!syms_->Find(m.name(), &name_id)) return Roaring();
  auto it = index_.find(name_id);
  if (it == index_.end()) return Roaring();
  const ValueMap& values = it->second;
  // Fast paths: one value decides (= with want, != without want).
  bool single =
      (m.type() == MatchType::kEqual && want) || (m.type() == MatchType::kNotEqual && !want);
  if (single) {
    uint32_t v;
    if (!syms_->Find(m.value(), &v)) return Roaring();
    auto vit = values.find(v);
    return vit == values.end() ? Roaring() : ToRoaring(vit->second);
  }
  std::vector<const Roaring*> parts;
  std::vector<uint32_t> singles;
  for (const auto& [vid, e] : values) {
    if (m.Matches(syms_->Get(vid)) != want) continue;
    if ((e & kBitmapFlag) != 0) {
      parts.push_back(bitmaps_[e & ~kBitmapFlag].get());
    } else {
      singles.push_back(e);
    }
  }
  Roaring r;
  if (parts.size() == 1) {
    r = *parts[0];
  } else if (!parts.empty()) {
    r = Roaring::fastunion(parts.size(), parts.data());
  }
  if (!singles.empty()) {
    std::sort(singles.begin(), singles.end());
    r.addMany(singles.size(), singles.data());
  }
  return r;
}

Roaring MemPostings::ForMatchers(const std::vector<Matcher>& ms) const {
  if (ms.empty()) return Roaring();
  // Names some matcher requires to be present (a matcher not matching "").
  std::vector<std::string_view> must_be_set;
  for (const Matcher& m : ms) {
    if (!m.MatchesEmpty()) must_be_set.push_back(m.name());
  }
  auto is_set = [&](std::string_view n) {
    return std::find(must_be_set.begin(), must_be_set.end(), n) != must_be_set.end();
  };

  std::shared_lock<std::shared_mutex> l(mu_);
  std::vector<Roaring> its, not_its;
  for (const Matcher& m : ms) {
    bool is_not = m.type() == MatchType::kNotEqual || m.type() == MatchType::kRegexNoMatch;
    if (is_set(m.name())) {
      if (is_not && m.MatchesEmpty()) {
        // l!="foo" with l required elsewhere: subtract the values it rejects.
        not_its.push_back(UnionWhere(m, false));
      } else {
        // l="a", l=~"a.*", or l!="" (matches only non-empty values).
        Roaring r = UnionWhere(m, true);
        if (r.isEmpty()) return Roaring();
        its.push_back(std::move(r));
      }
    } else {
      // m accepts "": it selects series lacking the label too, so subtract
      // the series whose value it rejects.
      not_its.push_back(UnionWhere(m, false));
    }
  }
  Roaring result;
  if (its.empty()) {
    result = all_;
  } else {
    // Intersect smallest first.
    std::sort(its.begin(), its.end(),
              [](const Roaring& a, const Roaring& b) { return a.cardinality() < b.cardinality(); });
    result = std::move(its[0]);
    for (size_t i = 1; i < its.size() && !result.isEmpty(); ++i) result &= its[i];
  }
  for (const Roaring& n : not_its) {
    if (result.isEmpty()) break;
    result -= n;
  }
  return result;
}

std::vector<std::string> MemPostings::LabelNames() const {
  std::vector<std::string> out;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    out.reserve(index_.size());
    for (const auto& [nid, values] : index_) out.emplace_back(syms_->Get(nid));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> MemPostings::LabelValues(std::string_view name) const {
  std::vector<std::string> out;
  uint32_t nid;
  if (!syms_->Find(name, &nid)) return out;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    auto it = index_.find(nid);
    if (it == index_.end()) return out;
    out.reserve(it->second.size());
    for (const auto& [vid, e] : it->second) out.emplace_back(syms_->Get(vid));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ward::tsdb
