#include "scrape/scrape_cache.h"

#include <utility>

namespace ward::scrape {

ScrapeCache::Entry* ScrapeCache::Add(std::string_view series, bool dropped) {
  auto [it, inserted] = series_.try_emplace(std::string(series));
  Entry& e = it->second;
  if (!inserted) e = Entry();
  e.dropped = dropped;
  return &e;
}

}  // namespace ward::scrape
