#include "scrape/scrape_cache.h"

#include <utility>

#include <xxhash.h>

namespace ward::scrape {

ScrapeCache::Key ScrapeCache::KeyOf(std::string_view series) {
  XXH128_hash_t h = XXH3_128bits(series.data(), series.size());
  return Key{h.low64, h.high64};
}

ScrapeCache::Entry* ScrapeCache::Add(std::string_view series, bool dropped) {
  auto [it, inserted] = series_.try_emplace(KeyOf(series));
  Entry& e = it->second;
  if (!inserted) e = Entry();
  e.dropped = dropped;
  return &e;
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
