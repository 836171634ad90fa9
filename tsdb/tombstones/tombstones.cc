// Tombstones file encoding and reading. Layout: tombstones.h.
#include "tsdb/tombstones/tombstones.h"

#include <errno.h>
#include <stdio.h>

#include <algorithm>
#include <cstring>

#include "tsdb/chunks/segments.h"
#include "util/crc32c.h"
#include "util/varint.h"

namespace ward::tsdb::tombstones {

void AddInterval(Intervals* ivs, Interval n) {
  // Find the first interval that may touch n (its maxt+1 >= n.mint).
  auto it = std::lower_bound(ivs->begin(), ivs->end(), n, [](const Interval& a, const Interval& b) {
    return a.maxt < b.mint && a.maxt + 1 < b.mint;
  });
  auto last = it;
  // Overflow-safe form of last->mint <= n.maxt + 1.
  while (last != ivs->end() && (last->mint <= n.maxt || last->mint - 1 <= n.maxt)) {
    n.mint = std::min(n.mint, last->mint);
    n.maxt = std::max(n.maxt, last->maxt);
    ++last;
  }
  it = ivs->erase(it, last);
  ivs->insert(it, n);
}

void MemTombstones::AddInterval(uint64_t ref, Interval iv) {
  tombstones::AddInterval(&m_[ref], iv);
}

const Intervals* MemTombstones::Get(uint64_t ref) const {
  auto it = m_.find(ref);
  return it == m_.end() ? nullptr : &it->second;
}

uint64_t MemTombstones::NumIntervals() const {
  uint64_t n = 0;
  for (const auto& [ref, ivs] : m_) n += ivs.size();
  return n;
}

std::vector<std::pair<uint64_t, const Intervals*>> MemTombstones::Sorted() const {
  std::vector<std::pair<uint64_t, const Intervals*>> out;
  out.reserve(m_.size());
  for (const auto& [ref, ivs] : m_) out.emplace_back(ref, &ivs);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

std::string Encode(const MemTombstones& ts) {
  std::string b;
  varint::PutBE32(&b, kMagicTombstone);
  b.push_back(static_cast<char>(kTombstoneFormatV1));
  for (const auto& [ref, ivs] : ts.Sorted()) {
    for (const Interval& iv : *ivs) {
      varint::PutUvarint(&b, ref);
      varint::PutVarint(&b, iv.mint);
      varint::PutVarint(&b, iv.maxt);
    }
  }
  uint32_t crc = crc32c::Value(b.data() + kTombstoneHeaderSize, b.size() - kTombstoneHeaderSize);
  varint::PutBE32(&b, crc);
  return b;
}

Result<MemTombstones> Decode(std::string_view b, const std::string& what) {
  if (b.size() < kTombstoneHeaderSize + 4) {
    return Status::Corruption(what + ": file too short (" + std::to_string(b.size()) + " bytes)");
  }
  if (varint::BE32(b.data()) != kMagicTombstone) {
    return Status::Corruption(what + ": bad magic number");
  }
  if (static_cast<uint8_t>(b[4]) != kTombstoneFormatV1) {
    return Status::Corruption(what + ": unknown version " +
                              std::to_string(static_cast<uint8_t>(b[4])));
  }
  const char* p = b.data() + kTombstoneHeaderSize;
  const char* end = b.data() + b.size() - 4;
  if (crc32c::Value(p, end - p) != varint::BE32(end)) {
    return Status::Corruption(what + ": checksum mismatch");
  }
  MemTombstones ts;
  while (p < end) {
    uint64_t ref;
    Interval iv;
    if (!varint::GetUvarint(&p, end, &ref) || !varint::GetVarint(&p, end, &iv.mint) ||
        !varint::GetVarint(&p, end, &iv.maxt)) {
      return Status::Corruption(what + ": bad tombstone entry");
    }
    ts.AddInterval(ref, iv);
  }
  return ts;
}

Result<int64_t> WriteFile(const std::string& dir, const MemTombstones& ts) {
  std::string b = Encode(ts);
  std::string path = dir + "/" + kTombstonesFilename;
  std::string tmp = path + ".tmp";
  WARD_RETURN_IF_ERROR(chunks::WriteFileSync(tmp, b));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("rename " + tmp + ": " + std::strerror(errno));
  }
  WARD_RETURN_IF_ERROR(chunks::SyncDir(dir));
  return static_cast<int64_t>(b.size());
}

Result<MemTombstones> ReadFile(const std::string& dir, int64_t* size) {
  std::string path = dir + "/" + kTombstonesFilename;
  if (size) *size = 0;
  FILE* f = ::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return MemTombstones();
    return Status::IOError("open " + path + ": " + std::strerror(errno));
  }
  std::string b;
  char buf[65536];
  size_t n;
  while ((n = ::fread(buf, 1, sizeof(buf), f)) > 0) b.append(buf, n);
  bool err = ::ferror(f);
  ::fclose(f);
  if (err) return Status::IOError("read " + path);
  if (size) *size = static_cast<int64_t>(b.size());
  return Decode(b, path);
}

}  // namespace ward::tsdb::tombstones
