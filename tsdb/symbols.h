// SymbolTable: the head's interned label strings. Every distinct label name
// and value is stored once and named by a dense uint32_t id; a head series
// keeps its labels as a sorted array of such ids (see head.h). Strings are
// never freed while the table lives (the head has no series GC yet).
// Thread safety: Intern takes a mutex; Get is lock-free and may run
// concurrently with Intern for any id a caller obtained from Intern.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace ward::tsdb {

// A grow-only array of T indexed by dense ids, readable without a lock:
// elements live in fixed pages that never move, page pointers are atomics.
// Writers must be serialised by the caller; a reader may read an index only
// after it learned the index through a synchronising operation (mutex).
// Pointer elements are stored and loaded atomically, so a slot may be reset
// (to null) while others read it.
template <typename T, int kPageBits = 12, int kMaxPages = 1 << 20>
class PagedArray {
 public:
  static constexpr size_t kPageSize = size_t{1} << kPageBits;
  PagedArray() : pages_(new std::atomic<T*>[kMaxPages]) {
    for (int i = 0; i < kMaxPages; ++i) pages_[i].store(nullptr, std::memory_order_relaxed);
  }
  ~PagedArray() {
    for (int i = 0; i < kMaxPages; ++i) delete[] pages_[i].load(std::memory_order_relaxed);
  }
  PagedArray(const PagedArray&) = delete;
  PagedArray& operator=(const PagedArray&) = delete;

  // REQUIRES: external writer serialisation; i < kMaxPages * kPageSize.
  void Set(size_t i, T v) {
    size_t p = i >> kPageBits;
    T* page = pages_[p].load(std::memory_order_acquire);
    if (page == nullptr) {
      page = new T[kPageSize]();
      pages_[p].store(page, std::memory_order_release);
    }
    if constexpr (std::is_pointer_v<T>) {
      // Pointer slots may be reset (the head unlinks series) while read.
      std::atomic_ref<T>(page[i & (kPageSize - 1)]).store(v, std::memory_order_release);
    } else {
      page[i & (kPageSize - 1)] = v;
    }
  }
  // REQUIRES: Set(i, ...) happened-before this call.
  T Get(size_t i) const {
    T* page = pages_[i >> kPageBits].load(std::memory_order_acquire);
    if constexpr (std::is_pointer_v<T>) {
      return std::atomic_ref<T>(page[i & (kPageSize - 1)]).load(std::memory_order_acquire);
    } else {
      return page[i & (kPageSize - 1)];
    }
  }
  static constexpr size_t capacity() { return kPageSize * kMaxPages; }

 private:
  std::unique_ptr<std::atomic<T*>[]> pages_;
};

class SymbolTable {
 public:
  SymbolTable() = default;
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  // The id of `s`, adding it when new.
  uint32_t Intern(std::string_view s);
  // Intern of each of strs[0..n) into ids[0..n), under one lock.
  void InternMany(const std::string_view* strs, size_t n, uint32_t* ids);
  // The id of `s` if present.
  bool Find(std::string_view s, uint32_t* id) const;
  // REQUIRES: id came from Intern/Find. The view lives as long as the table.
  std::string_view Get(uint32_t id) const { return strings_.Get(id); }
  size_t size() const;
  // Bytes held by string data (for stats).
  size_t bytes() const;

 private:
  std::string_view Store(std::string_view s);  // REQUIRES: mu_ held

  PagedArray<std::string_view, 12, 1 << 14> strings_;  // id -> string, lock-free reads
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string_view, uint32_t> ids_;  // guarded by mu_
  std::vector<std::unique_ptr<char[]>> arena_;           // guarded by mu_
  std::vector<std::unique_ptr<char[]>> big_;             // guarded by mu_
  size_t arena_used_ = 0;                                // guarded by mu_ (in last block)
  size_t arena_cap_ = 0;                                 // guarded by mu_
  size_t bytes_ = 0;                                     // guarded by mu_
};

}  // namespace ward::tsdb
