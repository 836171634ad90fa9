// `wardtool tsdb convert`: rewrite blocks to another chunk encoding (XOR
// <-> dense), crash-safe through a new ULID that names the old block as its
// parent. See tools.h.
#include <algorithm>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "tsdb/block/block_writer.h"
#include "tsdb/tools/tools.h"

namespace ward::tsdb::tools {

Result<chunkenc::Encoding> ParseChunkEncoding(std::string_view s) {
  std::string l = absl::AsciiStrToLower(std::string(s));
  if (l == "xor") return chunkenc::Encoding::kXOR;
  if (l == "dense") return chunkenc::Encoding::kDense;
  return Status::InvalidArgument("unknown chunk encoding \"" + std::string(s) +
                                 "\" (want xor or dense)");
}

Result<std::vector<chunkenc::Encoding>> BlockChunkEncodings(const block::Block& b) {
  std::vector<chunkenc::Encoding> out;
  std::vector<uint32_t> ids, syms;
  std::vector<index::ChunkMeta> chks;
  WARD_RETURN_IF_ERROR(b.index().AllPostings(&ids));
  for (uint32_t id : ids) {
    WARD_RETURN_IF_ERROR(b.index().SeriesRefs(id, &syms, &chks));
    for (const index::ChunkMeta& c : chks) {
      chunkenc::Encoding enc;
      std::string_view data;
      WARD_RETURN_IF_ERROR(b.chunks().Chunk(c.ref, &enc, &data));
      if (std::find(out.begin(), out.end(), enc) == out.end()) out.push_back(enc);
    }
  }
  return out;
}

namespace {

Status ConvertOne(const std::string& block_dir, chunkenc::Encoding enc, std::ostream& out) {
  namespace fs = std::filesystem;
  std::string dir = block_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  WARD_ASSIGN_OR_RETURN(std::shared_ptr<block::Block> b, block::Block::Open(dir));
  block::BlockMeta m = b->meta();
  WARD_ASSIGN_OR_RETURN(std::vector<chunkenc::Encoding> encs, BlockChunkEncodings(*b));
  if (m.stats.num_tombstones == 0 && encs.size() == 1 && encs[0] == enc) {
    out << m.ulid << " already " << chunkenc::EncodingName(enc) << "\n";
    return Status::OK();
  }
  const fs::path parent_path = fs::path(dir).parent_path();
  const std::string parent = parent_path.empty() ? std::string(".") : parent_path.string();
  block::WriteBlockOptions wo;
  wo.chunk_encoding = enc;
  wo.compaction_level = m.compaction.level;
  wo.sources =
      m.compaction.sources.empty() ? std::vector<std::string>{m.ulid} : m.compaction.sources;
  wo.parents = {{m.ulid, m.min_time, m.max_time}};
  int64_t before = b->Size();
  std::string ulid;
  {
    WARD_ASSIGN_OR_RETURN(std::unique_ptr<storage::Querier> q,
                          b->NewQuerier(m.min_time, m.max_time - 1));
    WARD_ASSIGN_OR_RETURN(ulid, block::WriteBlock(parent, *q, m.min_time, m.max_time, wo));
  }
  int64_t after = 0;
  if (!ulid.empty()) {
    WARD_ASSIGN_OR_RETURN(std::shared_ptr<block::Block> nb,
                          block::Block::Open(parent + "/" + ulid));
    after = nb->Size();
  }
  b.reset();  // unmap before deleting
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return Status::IOError("delete converted block " + dir + ": " + ec.message());
  WARD_RETURN_IF_ERROR(chunks::SyncDir(parent));
  out << m.ulid << " -> " << (ulid.empty() ? "(no samples, deleted)" : ulid) << " "
      << chunkenc::EncodingName(enc) << " " << before << " -> " << after << " bytes\n";
  return Status::OK();
}

}  // namespace

Status ConvertBlocks(const std::vector<std::string>& block_dirs, chunkenc::Encoding enc,
                     std::ostream& out) {
  if (enc != chunkenc::Encoding::kXOR && enc != chunkenc::Encoding::kDense) {
    return Status::InvalidArgument("convert: unsupported chunk encoding");
  }
  for (const std::string& d : block_dirs) {
    WARD_RETURN_IF_ERROR(ConvertOne(d, enc, out).WithContext("convert " + d));
  }
  return Status::OK();
}

}  // namespace ward::tsdb::tools
