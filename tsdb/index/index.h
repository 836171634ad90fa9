// The index file of a persistent block: symbol table, series (labels as
// symbol refs + chunk metas), label indices, postings lists, the postings
// offset table and the TOC, each section CRC32C-checked. IndexWriter is used
// by the block writer (tsdb/block); IndexReader by Block to resolve matchers
// and read series. Byte-compatible with Prometheus's index format v2.
// Format: Prometheus tsdb-format/index.md, tsdb/docs/format/README.md.
// Thread safety: IndexWriter is not thread-safe; IndexReader is immutable
// after Open and safe to use from many threads.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "model/labels/labels.h"
#include "tsdb/chunks/segments.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::index {

inline constexpr uint32_t kMagicIndex = 0xBAAAD700;
inline constexpr int kHeaderLen = 5;  // magic(4) version(1)
inline constexpr uint8_t kFormatV1 = 1;
inline constexpr uint8_t kFormatV2 = 2;
inline constexpr int kSeriesByteAlign = 16;
inline constexpr int kTOCLen = 6 * 8 + 4;
inline constexpr char kIndexFilename[] = "index";

// A chunk of a series as the index records it: its time range (inclusive,
// first and last sample) and its block chunk reference.
struct ChunkMeta {
  uint64_t ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
};

struct TOC {
  uint64_t symbols = 0;
  uint64_t series = 0;
  uint64_t label_indices = 0;
  uint64_t label_indices_table = 0;
  uint64_t postings = 0;
  uint64_t postings_table = 0;
};

// Writes an index file. Call order: AddSymbol for every label name and value
// (strictly increasing), then AddSeries in strictly increasing label order,
// then Close. Postings are kept in memory (one uint32 per label of each
// series) until Close writes them.
class IndexWriter {
 public:
  static Result<std::unique_ptr<IndexWriter>> Create(const std::string& path);
  ~IndexWriter();
  IndexWriter(const IndexWriter&) = delete;
  IndexWriter& operator=(const IndexWriter&) = delete;

  // REQUIRES: sym > every earlier symbol; no AddSeries yet.
  Status AddSymbol(std::string_view sym);
  // Adds a series; its id is its offset / 16, returned in *id (optional).
  // InvalidArgument for out-of-order labels, unknown symbols, or chunks whose
  // refs decrease or whose time ranges overlap or are inverted.
  Status AddSeries(const labels::Labels& lset, std::span<const ChunkMeta> chunks,
                   uint32_t* id = nullptr);
  // The same with the labels given as symbol numbers (name, value, name,
  // value, ...) in the order AddSymbol received them; avoids string lookups
  // for callers that interned the labels already. Names must increase.
  Status AddSeriesSymbols(std::span<const uint32_t> syms, std::span<const ChunkMeta> chunks,
                          uint32_t* id = nullptr);
  // Writes label indices, postings, the offset tables and the TOC, then
  // fsyncs and closes the file. The writer must not be used afterwards.
  Status Close();

 private:
  explicit IndexWriter(std::string path) : path_(std::move(path)) {}
  Status Write(std::string_view b);
  Status Flush();
  Status WriteAt(uint64_t pos, std::string_view b);
  Status Pad(int align);
  Status FinishSymbols();
  Status WritePostingsAndTables();

  const std::string path_;
  int fd_ = -1;
  uint64_t pos_ = 0;  // logical file size, including buffered bytes
  std::string buf_;
  std::string scratch_;
  TOC toc_;
  int stage_ = 0;  // 0 symbols, 1 series, 2 done

  std::deque<std::string> symbols_;  // stable addresses for symbol_ids_
  absl::flat_hash_map<std::string_view, uint32_t> symbol_ids_;
  std::string SeriesString(std::span<const uint32_t> syms) const;  // for errors

  std::vector<uint32_t> last_series_;  // symbol numbers of the last series
  bool have_series_ = false;
  uint64_t last_chunk_ref_ = 0;
  std::vector<uint32_t> all_series_;
  // (name symbol << 32 | value symbol) -> series ids.
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> postings_;
};

// Reads an index file through mmap. Validates the header, TOC, symbol table
// and postings offset table on Open; series and postings sections are
// checked when read.
class IndexReader {
 public:
  // Corruption (naming the path) for bad magic, unknown version, truncation
  // or checksum mismatch; IOError when the file cannot be read.
  static Result<std::unique_ptr<IndexReader>> Open(const std::string& path);

  int version() const { return version_; }
  const TOC& toc() const { return toc_; }
  size_t Size() const { return file_->size(); }
  size_t NumSymbols() const { return symbol_offsets_.size(); }

  // The symbol with index i (v2) / at offset i (v1). The view lives as long
  // as the reader.
  Result<std::string_view> Symbol(uint32_t i) const;
  // The index of symbol s; NotFound when absent (binary search).
  Result<uint32_t> LookupSymbol(std::string_view s) const;
  // Every symbol in order (for tests and tools).
  Result<std::vector<std::string_view>> Symbols() const;

  // Sorted label names (excluding the all-postings key).
  std::vector<std::string_view> LabelNames() const;
  // Sorted values of `name` (empty when unknown).
  std::vector<std::string_view> LabelValues(std::string_view name) const;

  // Appends the sorted series ids having name=value to *out (nothing when
  // the pair is unknown). Corruption for a bad postings list.
  Status Postings(std::string_view name, std::string_view value, std::vector<uint32_t>* out) const;
  // Calls fn(value, ids) for every value of `name` for which pred(value) is
  // true; `ids` is valid only during the call.
  template <typename Pred, typename Fn>
  Status ForEachPostings(std::string_view name, Pred pred, Fn fn) const;
  // Every series id, sorted (the "" = "" all-postings key).
  Status AllPostings(std::vector<uint32_t>* out) const { return Postings("", "", out); }

  // Decodes series `id` (offset / 16). lset and chunks are replaced.
  // Corruption for a bad reference, checksum or encoding.
  Status Series(uint32_t id, labels::Labels* lset, std::vector<ChunkMeta>* chunks) const;
  // Like Series, but only the symbol refs: (name, value) pairs.
  Status SeriesRefs(uint32_t id, std::vector<uint32_t>* syms, std::vector<ChunkMeta>* chunks) const;

 private:
  struct PostingsEntry {
    std::string_view value;
    uint64_t offset;
  };
  struct NameRange {
    std::string_view name;
    size_t begin, end;  // into entries_
  };
  IndexReader() = default;
  Status Corrupt(const std::string& why) const;
  Status ReadPostingsList(uint64_t off, std::vector<uint32_t>* out) const;
  const NameRange* FindName(std::string_view name) const;

  std::unique_ptr<chunks::MmapFile> file_;
  std::string_view b_;
  int version_ = 0;
  TOC toc_;
  std::vector<uint32_t> symbol_offsets_;  // byte offset of each symbol's len
  std::vector<PostingsEntry> entries_;    // sorted by (name, value)
  std::vector<NameRange> names_;          // sorted by name
};

template <typename Pred, typename Fn>
Status IndexReader::ForEachPostings(std::string_view name, Pred pred, Fn fn) const {
  const NameRange* r = FindName(name);
  if (r == nullptr) return Status::OK();
  std::vector<uint32_t> ids;
  for (size_t i = r->begin; i < r->end; ++i) {
    if (!pred(entries_[i].value)) continue;
    ids.clear();
    WARD_RETURN_IF_ERROR(ReadPostingsList(entries_[i].offset, &ids));
    fn(entries_[i].value, static_cast<const std::vector<uint32_t>&>(ids));
  }
  return Status::OK();
}

}  // namespace ward::tsdb::index
