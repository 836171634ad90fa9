#include "scrape/scrape_cache.h"

#include <utility>

#include <xxhash.h>

namespace ward::scrape {

ScrapeCache::Key ScrapeCache::KeyOf(std::string_view series) {
  XXH128_hash_t h = XXH3_128bits(series.data(), series.size());
  return Key{h.low64, h.high64};
}

ScrapeCache::Entry* ScrapeCache::Add(std::string_view series, bool dropped) {
  const Key k = KeyOf(series);
  uint32_t i;
  if (auto it = index_.find(k); it != index_.end()) {
    i = *it;
  } else {
    if (free_.empty()) {
      i = static_cast<uint32_t>(entries_.size());
      // Grow by an eighth, not by doubling: a target's entry count settles
      // after its first scrape, and doubling would leave up to half the
      // vector unused for good.
      if (entries_.size() == entries_.capacity()) {
        entries_.reserve(entries_.size() + entries_.size() / 8 + 64);
      }
      entries_.emplace_back();
    } else {
      i = free_.back();
      free_.pop_back();
    }
    entries_[i].key = k;
    index_.insert(i);
  }
  Entry& e = entries_[i];
  e = Entry();
  e.key = k;
  e.live = true;
  e.dropped = dropped;
  cursor_ = i + 1;
  return &e;
}

ScrapeCache& ScrapeCache::operator=(ScrapeCache&& o) noexcept {
  if (this == &o) return *this;
  entries_ = std::move(o.entries_);
  free_ = std::move(o.free_);
  metadata_ = std::move(o.metadata_);
  metadata_changed_ = o.metadata_changed_;
  iter_ = o.iter_;
  last_good_ = o.last_good_;
  cursor_ = 0;
  index_.clear();
  for (uint32_t i = 0; i < entries_.size(); i++) {
    if (entries_[i].live) index_.insert(i);
  }
  o.entries_.clear();
  o.free_.clear();
  o.metadata_.clear();
  o.index_.clear();
  o.metadata_changed_ = false;
  o.iter_ = o.last_good_ = 0;
  o.cursor_ = 0;
  return *this;
}

void ScrapeCache::Remove(uint32_t i) {
  index_.erase(entries_[i].key);
  entries_[i] = Entry();
  free_.push_back(i);
}

void ScrapeCache::MaybeCompact() {
  // When more than half the slots are free (a target that shrank), move the
  // live entries down, in order, and rebuild the index.
  if (free_.size() <= 1024 || free_.size() <= entries_.size() / 2) return;
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); i++) {
    if (entries_[i].live) entries_[n++] = entries_[i];
  }
  entries_.resize(n);
  entries_.shrink_to_fit();
  free_.clear();
  free_.shrink_to_fit();
  index_.clear();
  for (uint32_t i = 0; i < n; i++) index_.insert(i);
  cursor_ = 0;
}

ScrapeCache::Metadata& ScrapeCache::MetadataEntry(std::string_view family) {
  auto it = metadata_.find(absl::string_view(family.data(), family.size()));
  if (it == metadata_.end()) {
    it = metadata_.try_emplace(std::string(family)).first;
    metadata_changed_ = true;
  }
  it->second.last_iter = iter_;
  return it->second;
}

void ScrapeCache::SetType(std::string_view family, std::string_view type) {
  Metadata& m = MetadataEntry(family);
  if (m.type != type) {
    m.type.assign(type);
    metadata_changed_ = true;
  }
}

void ScrapeCache::SetHelp(std::string_view family, std::string_view help) {
  Metadata& m = MetadataEntry(family);
  if (m.help != help) {
    m.help.assign(help);
    metadata_changed_ = true;
  }
}

void ScrapeCache::SetUnit(std::string_view family, std::string_view unit) {
  Metadata& m = MetadataEntry(family);
  if (m.unit != unit) {
    m.unit.assign(unit);
    metadata_changed_ = true;
  }
}

}  // namespace ward::scrape
