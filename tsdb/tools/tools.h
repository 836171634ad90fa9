// tsdb/tools: the block commands of wardtool, with promtool 2.42's output:
// `tsdb create-blocks-from openmetrics` (backfill an OpenMetrics file into
// blocks), `tsdb list` (one row per block) and `tsdb analyze` (cardinality
// and churn of one block). Each writes its report to an ostream so tests can
// compare it with promtool's. Formats: tsdb/block (meta.json, Block),
// tsdb/index; promtool's cmd/promtool/{tsdb,backfill}.go for the output.
// Thread safety: stateless functions; do not run two of them on the same
// output directory at once.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tsdb/block/block.h"
#include "tsdb/chunkenc/chunk.h"
#include "util/result.h"
#include "util/status.h"

namespace ward::tsdb::tools {

inline constexpr int64_t kDefaultBlockDurationMs = 2 * 60 * 60 * 1000;

struct CreateBlocksOptions {
  // Requested block span; as promtool, anything up to 2h gives 2h blocks and
  // a longer one picks the largest of 2h*3^i (i < 10) not above it.
  int64_t max_block_duration_ms = kDefaultBlockDurationMs;
  bool human_readable = false;  // -r: times and sizes of the printed rows
  bool quiet = false;           // -q: print nothing
  // --label=name=value (later promtool versions): set on every series,
  // replacing a label of the same name (an empty value removes it).
  std::vector<std::pair<std::string, std::string>> labels;
  // --chunk-encoding=xor|dense: chunk format of the blocks written (dense:
  // ward only, tsdb/docs/format/dense_chunks.md). Default: kXOR.
  chunkenc::Encoding chunk_encoding = chunkenc::Encoding::kXOR;
};

// The block span promtool uses for a --max-block-duration (see above).
int64_t CompatibleBlockDuration(int64_t max_block_duration_ms);

// Parses `input` (OpenMetrics text, `# EOF` required, every sample with a
// timestamp) and writes one block per aligned range of the block duration
// that holds samples, under `out_dir` (which must exist). Each block spans
// [first sample, last sample + 1ms). Unless quiet, prints the new blocks
// as `tsdb list` rows (header before the first). Nothing is written when
// the input is invalid: InvalidArgument for a parse error, a sample without
// timestamp, a sample older than the previous one of its series in the same
// block range ("out of order sample") or a second, different value at the
// same timestamp ("duplicate sample"); an identical repeated sample is
// dropped. `input` is only read during the call.
Status CreateBlocksFromOpenMetrics(std::string_view input, const std::string& out_dir,
                                   const CreateBlocksOptions& opts, std::ostream& out);

// Opens every block directory (<ULID>/) of `dir`, sorted by min time as
// Prometheus's DB does. An unreadable block is an error naming it; a
// missing `dir` is IOError.
Result<std::vector<std::shared_ptr<block::Block>>> OpenBlocks(const std::string& dir);

// `promtool tsdb list`: the table of `blocks` (tab-aligned, min cell width
// 13, padding 2), with a header line when `header`.
void PrintBlocks(const std::vector<std::shared_ptr<block::Block>>& blocks, bool header,
                 bool human_readable, std::ostream& out);

// `wardtool tsdb list [-r] DIR`.
Status ListBlocks(const std::string& dir, bool human_readable, std::ostream& out);

// `wardtool tsdb analyze [--limit=N] DIR [BLOCK_ID]`: the block named, or
// the one with the newest ULID time. NotFound when there is no such block.
// Ties within a list are ordered by key (promtool's order is random).
Status AnalyzeBlock(const std::string& dir, const std::string& block_id, int limit,
                    std::ostream& out);

// "xor" or "dense" (case-insensitive) as a chunk encoding; InvalidArgument
// otherwise.
Result<chunkenc::Encoding> ParseChunkEncoding(std::string_view s);

// The encodings of a block's chunks (at most one entry each, in the order
// first seen over the series of the index). Corruption when a chunk cannot
// be read.
Result<std::vector<chunkenc::Encoding>> BlockChunkEncodings(const block::Block& b);

// `wardtool tsdb convert --chunk-encoding=xor|dense BLOCK_DIR...`: rewrites
// each block with every chunk in `enc` (XOR: 120 samples per chunk as
// Prometheus; dense: dense.h). The samples are those a query sees (deleted
// samples are dropped, so the new block has no tombstones). Crash-safe: the
// new block gets a new ULID, keeps the old level and sources, lists the old
// block as its parent (so Prometheus and ward delete the old one on open if
// a crash left both), and is renamed into place before the old directory
// is deleted. A block already wholly in `enc` is left alone. REQUIRES: no
// server or other tool uses the directory meanwhile. Prints one line per
// block ("<old> -> <new> <encoding> <bytes before> -> <bytes after>").
Status ConvertBlocks(const std::vector<std::string>& block_dirs, chunkenc::Encoding enc,
                     std::ostream& out);

// Go's time.Duration.String() for a span in milliseconds ("1h41m40.001s",
// "12ms", "0s", "2h0m0s").
std::string FormatGoDurationMs(int64_t ms);
// Go's time.ParseDuration, in milliseconds (sub-millisecond parts are
// truncated): "6h", "1h30m", "1.5h", "90m". InvalidArgument otherwise.
Result<int64_t> ParseGoDurationMs(std::string_view s);
// alecthomas/units Base2Bytes.String() ("973B", "1KiB44B", "2MiB").
std::string FormatBase2Bytes(int64_t n);
// Go's time.Unix(ms/1000, 0).UTC().String(): "1970-01-01 00:16:40 +0000 UTC".
std::string FormatGoUTC(int64_t ms);

}  // namespace ward::tsdb::tools
