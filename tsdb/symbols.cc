#include "tsdb/symbols.h"

#include <cstring>

namespace ward::tsdb {

namespace {
constexpr size_t kArenaBlock = 64 << 10;
}

std::string_view SymbolTable::Store(std::string_view s) {
  if (s.empty()) return std::string_view();
  if (s.size() > kArenaBlock / 4) {  // large strings get their own block
    big_.emplace_back(new char[s.size()]);
    std::memcpy(big_.back().get(), s.data(), s.size());
    return std::string_view(big_.back().get(), s.size());
  }
  if (arena_cap_ - arena_used_ < s.size()) {
    arena_.emplace_back(new char[kArenaBlock]);
    arena_used_ = 0;
    arena_cap_ = kArenaBlock;
  }
  char* p = arena_.back().get() + arena_used_;
  std::memcpy(p, s.data(), s.size());
  arena_used_ += s.size();
  return std::string_view(p, s.size());
}

uint32_t SymbolTable::Intern(std::string_view s) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  std::string_view stored = Store(s);
  uint32_t id = static_cast<uint32_t>(ids_.size());
  strings_.Set(id, stored);
  ids_.emplace(stored, id);
  bytes_ += s.size();
  return id;
}

void SymbolTable::InternMany(const std::string_view* strs, size_t n, uint32_t* ids) {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < n; ++i) {
    auto it = ids_.find(strs[i]);
    if (it != ids_.end()) {
      ids[i] = it->second;
      continue;
    }
    std::string_view stored = Store(strs[i]);
    uint32_t id = static_cast<uint32_t>(ids_.size());
    strings_.Set(id, stored);
    ids_.emplace(stored, id);
    bytes_ += strs[i].size();
    ids[i] = id;
  }
}

bool SymbolTable::Find(std::string_view s, uint32_t* id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = ids_.find(s);
  if (it == ids_.end()) return false;
  *id = it->second;
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
