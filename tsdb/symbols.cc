#include "tsdb/symbols.h"

#include <cstring>

#include "util/varint.h"

namespace ward::tsdb {

namespace {
constexpr size_t kArenaBlock = 64 << 10;
}

const char* SymbolTable::Store(std::string_view s) {
  char len[varint::kMaxVarintLen64];
  const size_t nlen = static_cast<size_t>(varint::EncodeUvarint(len, s.size()));
  const size_t need = nlen + s.size();
  char* p;
  if (need > kArenaBlock / 4) {  // large strings get their own block
    big_.emplace_back(new char[need]);
    p = big_.back().get();
  } else {
    if (arena_cap_ - arena_used_ < need) {
      arena_.emplace_back(new char[kArenaBlock]);
      arena_used_ = 0;
      arena_cap_ = kArenaBlock;
    }
    p = arena_.back().get() + arena_used_;
    arena_used_ += need;
  }
  std::memcpy(p, len, nlen);
  if (!s.empty()) std::memcpy(p + nlen, s.data(), s.size());
  return p;
}

uint32_t SymbolTable::InternLocked(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return *it;
  uint32_t id = static_cast<uint32_t>(ids_.size());
  strings_.Set(id, Store(s));  // before the insert, which hashes the id's string
  ids_.insert(id);
  bytes_ += s.size();
  return id;
}

uint32_t SymbolTable::Intern(std::string_view s) {
  std::lock_guard<std::mutex> l(mu_);
  return InternLocked(s);
}

void SymbolTable::InternMany(const std::string_view* strs, size_t n, uint32_t* ids) {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < n; ++i) ids[i] = InternLocked(strs[i]);
}

bool SymbolTable::Find(std::string_view s, uint32_t* id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = ids_.find(s);
  if (it == ids_.end()) return false;
  *id = *it;
  return true;
}

size_t SymbolTable::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return ids_.size();
}

size_t SymbolTable::bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return bytes_;
}

}  // namespace ward::tsdb
