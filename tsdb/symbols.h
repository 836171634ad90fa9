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

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"

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
  std::string_view Get(uint32_t id) const { return View(strings_.Get(id)); }
  size_t size() const;
  // Bytes held by string data (for stats).
  size_t bytes() const;

 private:
  // Copies s into the arena as a uvarint length and the bytes; returns where
  // the length starts. REQUIRES: mu_ held.
  const char* Store(std::string_view s);
  // The string stored at p by Store.
  static std::string_view View(const char* p) {
    const uint8_t* u = reinterpret_cast<const uint8_t*>(p);
    size_t len = 0;
    int shift = 0;
    uint8_t b;
    do {
      b = *u++;
      len |= static_cast<size_t>(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    return std::string_view(reinterpret_cast<const char*>(u), len);
  }

  // id -> length-prefixed string: 8 bytes a symbol instead of a string_view.
  using Strings = PagedArray<const char*, 12, 1 << 14>;
  // The id set hashes and compares ids by their strings, so that a lookup
  // by string needs no copy of it: 4 bytes a slot instead of a string_view
  // and an id.
  struct IdHash {
    using is_transparent = void;
    const Strings* strings;
    size_t operator()(std::string_view s) const { return absl::Hash<std::string_view>()(s); }
    size_t operator()(uint32_t id) const { return (*this)(View(strings->Get(id))); }
  };
  struct IdEq {
    using is_transparent = void;
    const Strings* strings;
    std::string_view S(std::string_view s) const { return s; }
    std::string_view S(uint32_t id) const { return View(strings->Get(id)); }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return S(a) == S(b);
    }
  };
  // Interns s (new or not). REQUIRES: mu_ held.
  uint32_t InternLocked(std::string_view s);

  Strings strings_;  // id -> string, lock-free reads
  mutable std::mutex mu_;
  absl::flat_hash_set<uint32_t, IdHash, IdEq> ids_{0, IdHash{&strings_}, IdEq{&strings_}};  // guarded by mu_
  std::vector<std::unique_ptr<char[]>> arena_;           // guarded by mu_
  std::vector<std::unique_ptr<char[]>> big_;             // guarded by mu_
  size_t arena_used_ = 0;                                // guarded by mu_ (in last block)
  size_t arena_cap_ = 0;                                 // guarded by mu_
  size_t bytes_ = 0;                                     // guarded by mu_
};

}  // namespace ward::tsdb
